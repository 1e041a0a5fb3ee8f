"""Every match on a generated tracker corpus, field for field, as recorded in a golden file.

The corpus is the throughput benchmark's (plain, hashed, base64'd identifiers in JSON,
gzip/br/zstd, forms with base64-gzip JSON, query strings, JWTs, protobuf, msgpack, and
ordinary app traffic around them). Half of the values of each kind are known to the scan, so the
other half can only be found by the detectors. A change to the decoders or matchers that
is meant to be faster must leave this file as it is; one that changes what is found
regenerates it on purpose:

    .venv/bin/python tests/match/test_match_golden.py --write
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

from analyzer.match import IdentifierSet, scan_flow

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1] / "benchmarks" / "analyze_throughput.py"
GOLDEN = HERE / "golden_matches.json"


def _bench():
    spec = importlib.util.spec_from_file_location("consentry_bench_golden", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_matches() -> list[list]:
    bench = _bench()
    rng = random.Random(20260101)
    identifiers = bench.make_identifiers(rng, 60)
    pool = bench.build_pool(rng, identifiers, size=300)
    ids = IdentifierSet.build([ident for i, ident in enumerate(identifiers) if i // 10 % 2 == 0])
    rows = []
    for i, (url, headers, body) in enumerate(pool):
        flow = bench.FlowRecord("POST", url, bench.NOW, id=str(i), request_headers=headers, request_body=body)
        for m in scan_flow(flow, ids).matches:
            rows.append([i, m.pii_type, m.value, m.matched, m.location, m.path, list(m.encoding), m.confidence, m.known,
                         m.excerpt, list(m.excerpt_span), m.identifier_source, m.detector, m.direction])
    rows.sort(key=json.dumps)
    return rows


def test_corpus_matches_equal_the_golden_file():
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = corpus_matches()
    assert len(found) == len(expected)
    assert {r[12] for r in expected if r[12]} >= {"imei-luhn", "mac-shape", "email"}  # detectors are exercised
    assert found == expected


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: test_match_golden.py --write")
    sys.path.insert(0, str(HERE.parents[1]))
    GOLDEN.write_text(json.dumps(corpus_matches(), indent=0) + "\n", encoding="utf-8")
