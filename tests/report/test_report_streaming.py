"""Reports stream from the store: memory stays flat as sessions grow, and the streamed
report is byte for byte the report rendered from the whole model in memory.

The memory test runs `consentry report` as real processes on a small and a five times
larger session of one store and compares their peak resident sets (``os.wait4`` of each
command alone). Rendering that holds the findings grows by tens of MB between the two
(the code before streaming: JSON +127 MB, HTML +68 MB for these sizes); a streaming
renderer's peak does not move.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from rss import peak_rss

from analyzer.analysis import analyze_session
from analyzer.models.events import ApiCallEvent, ConsentEvent
from analyzer.models.flow import FlowRecord
from analyzer.report import render
from analyzer.report.build import build_report, stream_report
from analyzer.store import open_store
from built_once import built_once

IDENTIFIERS = {"imei": "861234567890123", "android_id": "9774d56d682e549c",
               "email": "zhang.wei@labshop.example", "mac": "02:1a:2b:3c:4d:5e"}
HOSTS = ("log.umeng.com", "track.tracker.example", "api.adjust.com", "sdk.e.qq.com")
START = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.timezone.utc)
SMALL, LARGE = 300, 1500  # flows; four findings each
GROWTH_LIMIT_MB = 20


def _flow(i: int) -> FlowRecord:
    body = json.dumps({"n": i, "device": {"imei": IDENTIFIERS["imei"], "aid": IDENTIFIERS["android_id"]},
                       "user": IDENTIFIERS["email"], "wifi": IDENTIFIERS["mac"], "pad": "x" * 300}).encode()
    host = HOSTS[i % len(HOSTS)]
    return FlowRecord(method="POST", url=f"https://{host}/collect?n={i}", ts_start=START + dt.timedelta(milliseconds=50 * i),
                      request_headers=[("content-type", "application/json")], request_body=body, status_code=200,
                      server_addr="203.0.113.7:443", tls=True, sni=host)


def make_session(store, name: str, flows: int, *, calls: int = 0) -> None:
    """FLOWS third-party POSTs carrying four identifiers, CALLS hooked reads of two of them,
    a refusal half way (so findings fall in two phases), analysed."""
    row = store.create_session(name, status="finished", consent_choice="refuse")
    for kind, value in IDENTIFIERS.items():
        store.add_identifier(row.id, kind, value, "profile")
    for start in range(0, flows, 500):
        store.add_flows(row.id, [_flow(i) for i in range(start, min(start + 500, flows))])
    base = START.timestamp() * 1000
    events = [ApiCallEvent(ts=base + 37 * i, api="android.telephony.TelephonyManager.getImei", kind="imei",
                           ret=IDENTIFIERS["imei"], count=1 + i % 3,
                           stack=["com.umeng.commonsdk.statistics.idtracking.ImeiTracker.getImei", "com.example.app.Main.onCreate"])
              for i in range(calls)]
    events += [ConsentEvent(ts=base + 50 * (flows // 2), action="shown", source="manual"),
               ConsentEvent(ts=base + 50 * (flows // 2) + 10, action="refused", source="manual")]
    store.add_events(row.id, events, origin="import")
    analyze_session(store, name)


def peak_rss_mb(args: list[str], db: str, cwd: Path) -> float:
    """Peak RSS of one `consentry` command (measured as a fresh launcher's child: tests/rss.py)."""
    exe = Path(sys.executable).parent / "consentry"
    peak = peak_rss([str(exe), *args], env=dict(os.environ, CONSENTRY_DB=db), cwd=cwd)
    assert peak.exit_code == 0, peak.stderr
    return peak.rss_mb


@pytest.fixture(scope="module")
def sized_store(tmp_path_factory) -> str:
    """Both sessions, analysed: made once per test run, copied for this test process."""

    def build(directory: Path) -> None:
        store = open_store(f"sqlite:///{directory / 'store.db'}")
        make_session(store, "small", SMALL)
        make_session(store, "large", LARGE)
        store.engine.dispose()  # every write in the main file: the file is copied alone

    copy = tmp_path_factory.mktemp("sized") / "store.db"
    shutil.copyfile(built_once(tmp_path_factory, "sized-report-store", build) / "store.db", copy)
    return f"sqlite:///{copy}"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["json", "html"])
def test_report_memory_does_not_grow_with_the_session(sized_store, tmp_path, fmt):
    small = peak_rss_mb(["report", "small", "--format", fmt, "--output", f"small.{fmt}"], sized_store, tmp_path)
    large = peak_rss_mb(["report", "large", "--format", fmt, "--output", f"large.{fmt}"], sized_store, tmp_path)
    print(f"\nreport {fmt}: {SMALL * 4} findings {small:.0f} MB, {LARGE * 4} findings {large:.0f} MB")
    assert (tmp_path / f"large.{fmt}").stat().st_size > (tmp_path / f"small.{fmt}").stat().st_size
    assert large - small < GROWTH_LIMIT_MB


def _fixed(text: str) -> str:
    """Without the parts that differ per rendering (time of generation, script nonce)."""
    import re

    text = re.sub(r'"generated_at": "[^"]*"', '"generated_at": ""', text)
    text = re.sub(r"nonce-[\w-]+|nonce=\"[\w-]+\"", "nonce", text)
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00(?=</td>|</p>|\n)", "T", text)


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
def test_streamed_report_is_the_report_in_memory(store, redact, monkeypatch):
    """Paged store reads (groups, proofs, calls, counters) give exactly what the model in
    memory gives, on SQLite and PostgreSQL. Small pages, so every read spans several."""
    from analyzer.report import source, views

    monkeypatch.setattr(source, "PAGE", 50)
    monkeypatch.setattr(source, "FLOW_PAGE", 20)
    monkeypatch.setattr(views, "DETAILED_REQUESTS", 30)
    monkeypatch.setattr(views, "COMPACT_PAGE_SIZE", 40)
    monkeypatch.setattr(views, "DETAILED_CALLS", 1)
    make_session(store, "mixed", 160, calls=130)
    streamed, whole = stream_report(store, "mixed"), build_report(store, "mixed")
    assert len(whole.findings) > 640 and whole.requests
    for fmt in ("json", "md", "html"):
        assert _fixed(render(streamed, fmt, redact=redact)) == _fixed(render(whole, fmt, redact=redact)), fmt
    per_app = render([streamed, streamed], "json", redact=redact)
    assert json.loads(per_app)["reports"][1]["findings"] == json.loads(render(whole, "json", redact=redact))["findings"]


# -- the other paths that write a whole report: dashboard download, demo --------------


def _dashboard_download(store, name: str, out: Path) -> Path:
    """The dashboard's report download, its body written to OUT as it is sent."""
    import asyncio

    from analyzer.web.app import create_app

    app = create_app(store)
    endpoint = next(r.endpoint for r in app.routes if getattr(r, "path", "") == "/sessions/{name}/report.{fmt}")
    response = endpoint(name=name, fmt="html")
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.html"

    async def drain() -> None:
        with path.open("wb") as fh:
            async for chunk in response.body_iterator:
                fh.write(chunk)

    asyncio.run(drain())
    return path


def _demo_report(store, name: str, out: Path) -> Path:
    from rich.console import Console

    from analyzer.devices.base import AppTarget
    from analyzer.runner.demo import DemoRow, write_reports
    from analyzer.runner.expectations import CheckResult
    from analyzer.runner.session import RunResult

    out.mkdir(parents=True, exist_ok=True)
    result = RunResult(session_name=name, status="finished", status_detail="", target=AppTarget(name, f"app.{name}"))
    paths = write_reports(store, [DemoRow("s", "refuse", result, CheckResult("s", "refuse"))], out, Console(quiet=True))
    return paths[f"app.{name}"]


PATHS = {"dashboard": _dashboard_download, "demo": _demo_report}


def _traced_peak_mb(fn) -> float:
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("path", list(PATHS))
def test_every_report_path_streams(sized_store, tmp_path, path):
    """Each path renders from the store a page at a time: five times the findings, the same
    peak of Python allocations (the whole report in memory: +47 MB here), and the file it
    writes is the report `consentry report` writes."""
    write, store = PATHS[path], open_store(sized_store)
    write(store, "small", tmp_path)  # templates, ruleset and catalogue loaded before measuring
    small = _traced_peak_mb(lambda: write(store, "small", tmp_path / "s"))
    large = _traced_peak_mb(lambda: write(store, "large", tmp_path / "l"))
    print(f"\n{path}: {SMALL * 4} findings {small:.1f} MB, {LARGE * 4} findings {large:.1f} MB traced peak")
    assert large - small < GROWTH_LIMIT_MB / 4
    written = next((tmp_path / "l").iterdir())
    assert _fixed(written.read_text(encoding="utf-8")) == _fixed(render(stream_report(store, "large"), "html"))
