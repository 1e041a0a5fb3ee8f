"""The fast path (skip flows / scalars nothing can match) loses nothing against a full walk."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from analyzer.match import IdentifierSet, scan_flow
from analyzer.match import scan as scan_module

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "analyze_throughput.py"


@pytest.fixture(scope="module")
def session():
    spec = importlib.util.spec_from_file_location("consentry_bench_gen", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rng = random.Random(7)
    identifiers = bench.make_identifiers(rng, 60)
    pool = bench.build_pool(rng, identifiers, size=250)
    flows = [bench.FlowRecord("POST", url, bench.NOW, request_headers=h, request_body=b) for url, h, b in pool]
    return IdentifierSet.build(identifiers), flows


def _all(ids, flows):
    return [{(m.pii_type, m.value, m.location, m.path, m.encoding, m.confidence) for m in scan_flow(f, ids).matches}
            for f in flows]


def test_fast_path_equals_full_walk(session, monkeypatch):
    ids, flows = session
    fast = _all(ids, flows)
    assert sum(map(len, fast)) > 100  # the session really carries identifiers
    monkeypatch.setattr(scan_module, "_worth_walking", lambda *a, **k: True)
    monkeypatch.setattr(scan_module._Relevance, "wants", lambda self, text, parent_keys, key=None: True)
    monkeypatch.setattr(scan_module._Relevance, "wants_number", lambda self, value, parent_keys, key=None: True)
    full = _all(ids, flows)
    assert fast == full
