"""Benchmark: what the typed model costs in `analyze` (issue 15, "one typed model").

One stored session with many findings and many hooked calls, in a temporary SQLite
store. Measured in one process, each against a baseline of the same run:

1. reading the session's events: rows only (baseline) vs rows parsed into typed events
   (``StoredEvent.event``, what the analysis now reads);
2. ``analyze_session`` with every finding validated into the report's ``Finding``
   (``new_finding``) vs the same run writing plain dict literals (as before);
3. reading a run's findings back: stored JSON rows only (baseline) vs ``store.findings``,
   which validates each into the report's ``Finding``;
4. the report right after the analysis (``stream_report`` rendered as JSON, what the
   report command does): the analysis context reused from the run vs read again from the
   store (what every report did before).

    .venv/bin/python benchmarks/typed_model.py [--flows 2000] [--calls 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.analysis import findings as findings_mod  # noqa: E402
from analyzer.analysis import pipeline, spill  # noqa: E402
from analyzer.models.events import ApiCallEvent, ConsentEvent  # noqa: E402
from analyzer.models.flow import FlowRecord  # noqa: E402
from analyzer.report import write_report  # noqa: E402
from analyzer.report.build import stream_report  # noqa: E402
from analyzer.store import models as m, open_store  # noqa: E402

T0 = 1_767_225_600_000.0
IMEI, AID = "356938035643809", "9774d56d682e549c"
STACK = ["android.telephony.TelephonyManager.getImei", "com.umeng.analytics.pro.h.a", "com.labshop.app.Main.onCreate"]


def make_session(store, flows: int, calls: int) -> None:
    s = store.create_session("typed", app=("com.labshop.app", "1.0"), consent_choice="accept")
    events = [ConsentEvent(ts=T0 + flows * 10 + 5, action="granted", source="ui")]
    for i in range(calls):  # distinct stacks: one batch each, as a busy poller gives
        events.append(ApiCallEvent(ts=T0 + i * 0.5, api="android.telephony.TelephonyManager.getImei", kind="imei",
                                   ret=IMEI, stack=STACK + [f"com.labshop.app.Poller.tick{i % 500}"], count=1))
    store.add_events(s.id, events)
    store.add_identifier(s.id, "android_id", AID)
    batch = []
    for i in range(flows):
        body = json.dumps({"imei": IMEI, "aid": AID, "n": i}).encode()
        batch.append(FlowRecord(method="POST", url=f"https://ulogs.umeng.com/u?n={i}", request_body=body,
                                request_headers=[("Content-Type", "application/json")],
                                ts_start=dt.datetime.fromtimestamp((T0 + i * 10) / 1000, dt.timezone.utc)))
        if len(batch) == 500:
            store.add_flows(s.id, batch)
            batch = []
    store.add_flows(s.id, batch)


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


class _DictFinding(dict):
    """The baseline's finding: the plain dict the pipeline wrote before (ts/id for sorting)."""

    ts = property(lambda self: self["ts"])
    id = property(lambda self: self["id"])


def dict_literal(*, rules, sdk=None, encoding=(), **fields):
    """The baseline: the same finding as a dict literal, nothing validated."""
    return _DictFinding({"id": fields.pop("id"), **rules, **fields, "encoding": list(encoding),
                         "sdk": sdk.id if sdk else None, "sdk_name": sdk.name if sdk else None,
                         "organisation": sdk.organisation if sdk else None})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=2000)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        make_session(store, args.flows, args.calls)
        sid = store.get_session("typed").id

        sum(1 for _ in store.iter_events(sid))  # warm the database's cache for both sides
        raw = best(args.repeat, lambda: sum(1 for r in store.iter_events(sid) if r.data))
        parsed = best(args.repeat, lambda: sum(1 for r in store.iter_events(sid) if r.event))
        n_events = store.counts(sid)["events"]
        print(f"events read: {n_events}  rows only {raw:.3f} s  parsed {parsed:.3f} s  "
              f"(+{(parsed - raw) / n_events * 1e6:.1f} us/event, x{parsed / raw:.2f})")

        typed = best(args.repeat, lambda: pipeline.analyze_session(store, "typed"))
        n_findings = len(store.findings(store.current_run(sid).id))
        real = pipeline.new_finding, spill.finding_json  # the constructor, and the sink's JSON of its result
        pipeline.new_finding, spill.finding_json = dict_literal, dict
        try:
            baseline = best(args.repeat, lambda: pipeline.analyze_session(store, "typed"))
        finally:
            pipeline.new_finding, spill.finding_json = real
        print(f"analyze: {n_findings} findings  dict-literal baseline {baseline:.3f} s  typed {typed:.3f} s  "
              f"(+{(typed - baseline) / max(n_findings, 1) * 1e6:.1f} us/finding, x{typed / baseline:.2f})")

        run_id = store.current_run(sid).id

        def rows_only() -> int:
            with store.session() as s:
                return len(list(s.scalars(select(m.Finding.data).where(m.Finding.run_id == run_id))))

        rows = best(args.repeat, rows_only)
        models = best(args.repeat, lambda: store.findings(run_id))
        print(f"findings read: {n_findings}  rows only {rows:.3f} s  typed Finding {models:.3f} s  "
              f"(+{(models - rows) / max(n_findings, 1) * 1e6:.1f} us/finding, x{models / rows:.2f})")

        def report_after_analysis(reuse: bool) -> float:
            pipeline.analyze_session(store, "typed")
            if not reuse:
                pipeline._LAST_CONTEXT.clear()  # as before: the report reads the events again
            started = time.perf_counter()
            write_report(stream_report(store, "typed"), "json", io.StringIO())
            return time.perf_counter() - started

        again = min(report_after_analysis(False) for _ in range(args.repeat))
        reused = min(report_after_analysis(True) for _ in range(args.repeat))
        print(f"report after analysis: context read again (baseline) {again:.3f} s  reused {reused:.3f} s  "
              f"(x{again / reused:.2f} faster)")
        assert findings_mod.new_finding is pipeline.new_finding
        store.dispose()


if __name__ == "__main__":
    main()
