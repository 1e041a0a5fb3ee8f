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
import subprocess
import sys
from pathlib import Path

import pytest

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


# A child forked from this test process would start with its peak RSS (Linux keeps it
# across exec), so each command is started by a tiny launcher and measured as its child.
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_pid, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err[-2000:])
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, flush=True)
"""


def peak_rss_mb(args: list[str], db: str, cwd: Path) -> float:
    exe = Path(sys.executable).parent / "consentry"
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(exe), *args], capture_output=True, text=True,
                          env=dict(os.environ, CONSENTRY_DB=db), cwd=cwd, timeout=600)
    code, maxrss_kb = (int(x) for x in done.stdout.split())
    assert code == 0, done.stderr
    return maxrss_kb / 1024


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
