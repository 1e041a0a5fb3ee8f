"""Budgets hold for the whole process: peak RSS of analyze, reports and exports on bombs.

Each command runs as a real subprocess, measured by tests/rss.py (the kernel's rusage of
that child), so the figure is the command's own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import sys
import time
import zlib
from pathlib import Path

import brotli
import pytest

from analyzer.models.flow import FlowRecord
from analyzer.store import open_store
from built_once import built_once
from rss import peak_rss

pytestmark = pytest.mark.slow
RSS_LIMIT_MB = 512
GZ_FLOWS = 40  # flows of 1000:1 gzip (~36 KB each); the 250 take longer, not more memory
IMEI = "861234567890123"


def _gzip(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def _flow(i: int, body: bytes = b"", headers=(), url: str | None = None) -> FlowRecord:
    return FlowRecord(method="POST", url=url or f"http://bomb.test/{i}?imei={IMEI}",
                      ts_start=dt.datetime(2024, 5, 1, 10, 0, i % 60, tzinfo=dt.timezone.utc),
                      request_headers=list(headers), request_body=body, status_code=200)


def _fill_bombs(url: str) -> None:
    """One session holding every bomb of the issue, side by side."""
    store = open_store(url)
    row = store.create_session("bombs", status="finished")
    store.add_identifier(row.id, "imei", IMEI, "profile")
    br = brotli.compress(b"\0" * (600 * 1024 * 1024), quality=5)  # ~1 KB that expands to 600 MB
    gz_1000 = _gzip(b"a" * (36 * 1024 * 1024))  # ~36 KB at 1000:1
    gz_header = base64.b64encode(_gzip(b"\0" * (32 * 1024 * 1024))).decode()
    flows = [_flow(i, br, [("content-encoding", "br")]) for i in range(20)]
    flows += [_flow(100 + i, gz_1000, [("content-encoding", "gzip")]) for i in range(GZ_FLOWS)]
    flows += [_flow(400, b"{}", [(f"x-blob-{i}", gz_header) for i in range(100)])]
    flows += [_flow(401, b"{}", [("x-huge", "A" * (50 * 1024 * 1024))])]
    for i in range(0, len(flows), 25):
        store.add_flows(row.id, flows[i : i + 25])
    store.engine.dispose()  # every write in the main file: the file is copied alone


@pytest.fixture(scope="session")
def bombs(tmp_path_factory) -> Path:
    """Built once per test run: fresh.db, the bombs session not analyzed yet; analyzed.db, the
    same after a real `consentry analyze bombs`, whose exit code, peak RSS and stderr are in
    analyze.json. Tests run their commands on copies (a report of an analyzed session reads
    its stored run; of a fresh one, analyzes first)."""

    def build(directory: Path) -> None:
        _fill_bombs(f"sqlite:///{directory / 'fresh.db'}")
        shutil.copyfile(directory / "fresh.db", directory / "analyzed.db")
        analyzed = f"sqlite:///{directory / 'analyzed.db'}"
        code, rss, took, stderr = _peak_rss_mb(["analyze", "bombs"], analyzed, directory)
        (directory / "analyze.json").write_text(json.dumps({"code": code, "rss": rss, "took": took, "stderr": stderr}))

    return built_once(tmp_path_factory, "bombs", build)


def _copy(bombs: Path, which: str, tmp_path: Path) -> str:
    shutil.copyfile(bombs / f"{which}.db", tmp_path / "bombs.db")
    return f"sqlite:///{tmp_path / 'bombs.db'}"


def _peak_rss_mb(args: list[str], db: str, cwd: Path) -> tuple[int, float, float, str]:
    env = dict(os.environ, CONSENTRY_DB=db, PYTHONUNBUFFERED="1")
    exe = Path(sys.executable).parent / "consentry"
    started = time.monotonic()
    peak = peak_rss([str(exe), *args], env=env, cwd=cwd)
    return peak.exit_code, peak.rss_mb, time.monotonic() - started, peak.stderr


def test_analyze_stays_under_512_mb_on_bombs_and_says_what_it_did_not_decode(bombs, tmp_path):
    analyzed = json.loads((bombs / "analyze.json").read_text())
    print(f"\nanalyze bombs: exit {analyzed['code']}, peak RSS {analyzed['rss']:.0f} MB, {analyzed['took']:.1f} s")
    assert analyzed["code"] == 0, analyzed["stderr"][-2000:]
    assert analyzed["rss"] < RSS_LIMIT_MB

    store = open_store(_copy(bombs, "analyzed", tmp_path))
    decoding = store.current_run(store.get_session("bombs").id).stats["decoding"]  # what that analyze stored
    print(f"{decoding['line']}; decoded {decoding['decoded_bytes'] / 2**20:.0f} MB in all")
    assert decoding["flows_not_fully_decoded"] >= 20 + GZ_FLOWS
    assert decoding["line"].startswith(f"{decoding['flows_not_fully_decoded']} flows not fully decoded: budget")
    assert decoding["decoded_bytes"] <= 512 * 1024 * 1024
    assert "header size" in decoding["reasons"]


@pytest.mark.parametrize("which, args", [
    ("fresh", ["report", "bombs", "--format", "json", "--output", "r.json"]),  # analyzes first, in the same process
    ("analyzed", ["report", "bombs", "--format", "json", "--output", "r.json"]),
    ("analyzed", ["report", "bombs", "--format", "html", "--output", "r.html"]),
    ("analyzed", ["report", "bombs", "--format", "md", "--output", "r.md"]),
    ("analyzed", ["export", "har", "bombs", "--output", "o.har"]),
    ("analyzed", ["export", "bundle", "bombs", "--output", "o.zip"]),
], ids=lambda v: v if isinstance(v, str) else "-".join([v[0], v[3]] if v[0] == "report" else v[:2]))
def test_peak_rss_stays_under_512_mb_on_bombs(bombs, tmp_path, which, args):
    code, rss, took, stderr = _peak_rss_mb(args, _copy(bombs, which, tmp_path), tmp_path)
    print(f"\n{' '.join(args)} ({which} session): exit {code}, peak RSS {rss:.0f} MB, {took:.1f} s")
    assert code == 0, stderr[-2000:]
    assert rss < RSS_LIMIT_MB


def test_the_analysis_budget_stops_decoding_across_flows(bombs, tmp_path):
    from analyzer.analysis.pipeline import analyze_session
    from analyzer.decode.limits import DecodeLimits

    limits = DecodeLimits(max_session_decoded_bytes=20 * 1024 * 1024)
    result = analyze_session(open_store(_copy(bombs, "fresh", tmp_path)), "bombs", limits=limits)
    decoding = result.stats["decoding"]
    print(f"\nwith a 20 MB analysis budget: {decoding['line']}; decoded {decoding['decoded_bytes']} bytes")
    assert decoding["decoded_bytes"] <= 20 * 1024 * 1024
    assert decoding["reasons"].get("budget", 0) + decoding["reasons"].get("session", 0) >= GZ_FLOWS


def test_twenty_thousand_identifier_events_stay_bounded(tmp_path):
    import random

    from analyzer.models.events import IdentifierEvent

    url = f"sqlite:///{tmp_path / 'ids.db'}"
    store = open_store(url)
    row = store.create_session("ids", status="finished")
    store.add_flows(row.id, [_flow(i, b'{"k":"v"}') for i in range(50)])
    rng = random.Random(1)
    events = [IdentifierEvent(type="identifier", ts=1714557600000 + i, kind=rng.choice(["imei", "email", "android_id"]),
                              value="%015d" % rng.getrandbits(48), source="hook") for i in range(20_000)]
    store.add_events(row.id, events, origin="import")
    size = sum(len(json.dumps(e.to_json())) + 1 for e in events)
    code, rss, took, stderr = _peak_rss_mb(["analyze", "ids"], url, tmp_path)
    print(f"\n20,000 identifier events ({size / 1e6:.1f} MB as JSONL): analyze exit {code}, "
          f"peak RSS {rss:.0f} MB, {took:.1f} s")
    assert code == 0, stderr[-2000:]
    assert rss < RSS_LIMIT_MB
    stats = store.current_run(row.id).stats
    assert stats["identifiers_not_matched"] == 19_000 and "not matched" in stats["decoding"]["line"]
