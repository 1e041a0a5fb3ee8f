"""Peak RSS and wall time of `analyze`, every report format and the exports, per session size.

    .venv/bin/python benchmarks/report_memory.py                      # 2,500 / 5,000 / 10,000 / 20,000 flows
    .venv/bin/python benchmarks/report_memory.py --flows 2500,10000 --formats json,md
    .venv/bin/python benchmarks/report_memory.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Each session's flows are third-party POSTs before consent carrying four personal-data
items of the device (IMEI, android_id, e-mail, MAC), so N flows give about 4·N
findings. Every command runs as its own `consentry` process started by a tiny launcher
and measured with ``os.wait4`` (the kernel's peak resident set of that process alone; a
child forked from this builder would inherit the builder's peak). The same run measures
the baselines: `consentry --help` (the bare CLI start) and the report built whole in
memory (``build_report`` + ``render``, the path every report command took before
streaming; library callers keep it). Memory is flat when the figure at
the largest size is about the figure at the smallest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the RSS launcher the report-memory test uses too

from analyzer.models.events import ConsentEvent  # noqa: E402
from analyzer.models.flow import FlowRecord  # noqa: E402
from analyzer.store import open_store  # noqa: E402
from rss import peak_rss  # noqa: E402

IDENTIFIERS = {"imei": "861234567890123", "android_id": "9774d56d682e549c",
               "email": "zhang.wei@labshop.example", "mac": "02:1a:2b:3c:4d:5e"}
HOSTS = ("log.umeng.com", "track.tracker.example", "api.adjust.com", "sdk.e.qq.com")
START = dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.timezone.utc)
BATCH = 500


def _flow(i: int) -> FlowRecord:
    body = json.dumps({"event": "launch", "n": i, "device": {"imei": IDENTIFIERS["imei"], "aid": IDENTIFIERS["android_id"]},
                       "user": IDENTIFIERS["email"], "wifi": IDENTIFIERS["mac"], "pad": "x" * 300}).encode()
    host = HOSTS[i % len(HOSTS)]
    return FlowRecord(method="POST", url=f"https://{host}/collect?n={i}", ts_start=START + dt.timedelta(milliseconds=50 * i),
                      request_headers=[("content-type", "application/json"), ("user-agent", "okhttp/4.9")],
                      request_body=body, status_code=200, server_addr="203.0.113.7:443", tls=True, sni=host)


def build_session(url: str, name: str, flows: int) -> None:
    store = open_store(url)
    row = store.create_session(name, status="finished")
    for kind, value in IDENTIFIERS.items():
        store.add_identifier(row.id, kind, value, "profile")
    for start in range(0, flows, BATCH):
        store.add_flows(row.id, [_flow(i) for i in range(start, min(start + BATCH, flows))])
    consent_ms = (START + dt.timedelta(milliseconds=50 * flows + 1000)).timestamp() * 1000
    store.add_events(row.id, [ConsentEvent(ts=consent_ms, action="granted", source="manual")], origin="import")
    store.dispose()


# The report whole in memory (build_report + render), the path library callers keep and
# every report command took before streaming: the same-run baseline of the report figures.
_IN_MEMORY = """
import sys
from analyzer.report import render
from analyzer.report.build import build_report
from analyzer.store import open_store
name, fmt, out = sys.argv[1:]
with open(out, "w", encoding="utf-8") as fh:
    fh.write(render(build_report(open_store(), name), fmt))
"""


def measure(args: list[str], db: str, cwd: Path) -> tuple[int, float, float, str]:
    """(exit code, peak RSS in MB, wall seconds, stderr tail) of one consentry command
    (or, for ``["in-memory", NAME, FMT, OUT]``, of the in-memory path)."""
    env = dict(os.environ, CONSENTRY_DB=db, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO))
    exe = [str(Path(sys.executable).parent / "consentry")]
    if args[0] == "in-memory":
        exe, args = [sys.executable, "-c", _IN_MEMORY], args[1:]
    started = time.monotonic()
    peak = peak_rss([*exe, *args], env=env, cwd=cwd, timeout=3600)
    return peak.exit_code, peak.rss_mb, time.monotonic() - started, peak.stderr


def commands(name: str, formats: list[str], exports: bool, in_memory: bool = True) -> list[tuple[str, list[str]]]:
    out = [("analyze", ["analyze", name])]
    out += [(f"report {fmt}", ["report", name, "--format", fmt, "--output", f"{name}.{fmt}"]) for fmt in formats]
    out += [(f"in-memory {fmt} (baseline)", ["in-memory", name, fmt, f"{name}-mem.{fmt}"])
            for fmt in formats if fmt in ("json", "html") and in_memory]
    if "html" in formats:
        out.append(("report html --redact", ["report", name, "--format", "html", "--redact", "--output", f"{name}-r.html"]))
    if exports:
        out += [("export har", ["export", "har", name, "--output", f"{name}.har"]),
                ("export bundle", ["export", "bundle", name, "--output", f"{name}.zip"])]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", default="2500,5000,10000,20000", help="session sizes (flows)")
    parser.add_argument("--formats", default="json,html,md,pdf", help="report formats")
    parser.add_argument("--no-exports", action="store_true", help="skip export har / export bundle")
    parser.add_argument("--no-in-memory", action="store_true", help="skip the in-memory baseline (it needs GBs at 20,000 flows)")
    parser.add_argument("--postgres", metavar="URL", help="use this PostgreSQL database instead of a temp SQLite file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.flows.split(",")]
    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory(prefix="consentry-report-memory-") as tmp:
        work = Path(tmp)
        db = args.postgres or f"sqlite:///{work / 'store.db'}"
        stamp = int(time.time())
        code, base_rss, base_s, _ = measure(["--help"], db, work)
        print(f"store: {'postgresql' if args.postgres else 'sqlite'}")
        print(f"baseline `consentry --help`: peak RSS {base_rss:.0f} MB, {base_s:.2f} s (exit {code})")
        print(f"{'flows':>6} {'command':<28} {'exit':>4} {'peak MB':>8} {'seconds':>8}  extra")
        table: dict[str, list[float]] = {}
        for n in sizes:
            name = f"mem-{n}-{stamp}"
            started = time.monotonic()
            build_session(db, name, n)
            print(f"{n:>6} {'(build store)':<28} {'':>4} {'':>8} {time.monotonic() - started:>8.1f}", flush=True)
            for label, cmd in commands(name, formats, not args.no_exports, not args.no_in_memory):
                code, rss, took, err = measure(cmd, db, work)
                extra = ""
                if label == "analyze" and code == 0:
                    store = open_store(db)
                    run = store.current_run(store.get_session(name).id)
                    extra = f"{(run.stats or {}).get('findings')} findings"
                    store.dispose()
                elif code != 0:
                    extra = err.splitlines()[-1][:120] if err else ""
                print(f"{n:>6} {label:<28} {code:>4} {rss:>8.0f} {took:>8.1f}  {extra}", flush=True)
                table.setdefault(label, []).append(rss)
            if args.postgres:  # the temp SQLite file goes with the temp dir; a database stays
                store = open_store(db)
                store.delete_session(name)
                store.dispose()
        if len(sizes) > 1:
            print(f"flatness (peak MB at {sizes[-1]} flows minus at {sizes[0]}; baseline {base_rss:.0f} MB):")
            for label, values in table.items():
                print(f"  {label:<28} {values[0]:>6.0f} -> {values[-1]:>6.0f}  ({values[-1] - values[0]:+.0f} MB)")


if __name__ == "__main__":
    main()
