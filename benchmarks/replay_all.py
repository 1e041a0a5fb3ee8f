"""Benchmark: `consentry replay --all` over a corpus of 1,000 small stored sessions.

Creates the sessions in a temporary SQLite store (a few flows and events each: SDK
tracker requests carrying device identifiers, a first-party request, identifier,
api_call, lifecycle and consent events), then measures in one process:

1. baseline: reading every flow (with bodies) and event of every session, no analysis;
2. first analysis of every session (the replay-all code path, nothing to compare);
3. replay of every session (the regression case: compares with the previous run).

Prints sessions/s and totals for each, checks that progress was reported once per
session in order, and that the replay found every session's findings identical.

    .venv/bin/python benchmarks/replay_all.py [--sessions 1000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from analyzer.models.events import ApiCallEvent, ConsentEvent, IdentifierEvent, LifecycleEvent
from analyzer.models.flow import FlowRecord
from analyzer.replay import ReplayError, replay_all
from analyzer.store import Store, open_store
from analyzer.store.types import to_epoch_ms

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
CONSENT_PLANS = ("accept", "refuse", "none", "accept-after=20")
STACK = [
    "com.android.internal.telephony.PhoneSubInfoController.getImeiForSubscriber",
    "android.telephony.TelephonyManager.getImei",
    "com.umeng.commonsdk.statistics.common.DeviceConfig.getImeiNew",
    "com.umeng.analytics.pro.h.a",
    "com.labshop.app.MainActivity.onCreate",
]


def _device(rng: random.Random) -> dict[str, str]:
    return {
        "imei": "86" + "".join(rng.choice("0123456789") for _ in range(13)),
        "android_id": "".join(rng.choice("0123456789abcdef") for _ in range(16)),
        "oaid": "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12)),
    }


def _flows(start: dt.datetime, dev: dict[str, str], app: str, rng: random.Random) -> list[FlowRecord]:
    def at(s: float) -> dt.datetime:
        return start + dt.timedelta(seconds=s)

    umeng_body = json.dumps(
        {"header": {"appkey": "5f8e3c2a", "imei": dev["imei"], "android_id": dev["android_id"], "os": "Android"},
         "body": {"launch": [{"ts": int(to_epoch_ms(at(1)))}]}}
    ).encode()
    return [
        FlowRecord(method="GET", url="https://api.labshop.example/v1/home?lang=zh", ts_start=at(0.5),
                   request_headers=[("user-agent", f"{app}/1.0 okhttp/4.12")], status_code=200,
                   response_headers=[("content-type", "application/json")], response_body=b'{"banners":[]}', tls=True),
        FlowRecord(method="POST", url="https://ulogs.umeng.com/unify_logs", ts_start=at(2 + rng.random()),
                   request_headers=[("content-type", "application/json"), ("content-encoding", "gzip")],
                   request_body=gzip.compress(umeng_body), status_code=200, tls=True),
        FlowRecord(method="GET", url=f"https://tsis.jpush.cn/v3/report?oaid={dev['oaid']}&platform=a",
                   ts_start=at(25 + rng.random()), status_code=204, tls=True),
        FlowRecord(method="POST", url="http://log.tracker.example/collect", ts_start=at(30),
                   request_headers=[("content-type", "application/x-www-form-urlencoded")],
                   request_body=f"aid={dev['android_id']}&ev=open".encode(), status_code=200),
    ]


def _events(start: dt.datetime, dev: dict[str, str], plan: str) -> list:
    t0 = to_epoch_ms(start)
    events: list = [LifecycleEvent(ts=t0, state="start"), LifecycleEvent(ts=t0 + 10, state="foreground")]
    events += [IdentifierEvent(ts=t0 + 5, kind=k, value=v, source="profile") for k, v in dev.items()]
    events.append(ApiCallEvent(ts=t0 + 1500, api="android.telephony.TelephonyManager.getImei", kind="imei",
                               ret=dev["imei"], stack=STACK, count=2))
    if plan == "accept":
        events.append(ConsentEvent(ts=t0 + 800, action="granted", source="ui"))
    elif plan == "refuse":
        events.append(ConsentEvent(ts=t0 + 800, action="refused", source="ui"))
    elif plan.startswith("accept-after="):
        events.append(ConsentEvent(ts=t0 + 1000 * float(plan.split("=")[1]), action="granted", source="ui"))
    return events


def build_corpus(store: Store, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for i in range(count):
        app = f"com.labshop.app{i % 25}"
        plan = CONSENT_PLANS[i % len(CONSENT_PLANS)]
        name = f"bench-{i:05d}"
        start = T0 + dt.timedelta(minutes=i)
        sess = store.create_session(name, app=(app, f"1.{i % 3}"), consent_choice=plan, status="finished",
                                    first_party_domains=["labshop.example"], device={"kind": "lab"})
        store.update_session(name, started_at=start)
        dev = _device(rng)
        store.add_events(sess.id, _events(start, dev, plan), origin="import")
        store.add_flows(sess.id, _flows(start, dev, app, rng))


def read_everything(store: Store) -> tuple[int, int]:
    flows = events = 0
    for sess in store.list_sessions():
        flows += sum(1 for _ in store.iter_flows(sess.id))
        events += sum(1 for _ in store.iter_events(sess.id))
    return flows, events


def timed_replay(store: Store, label: str) -> tuple[dict, float]:
    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    corpus = replay_all(store, on_progress=lambda done, total, _name: seen.append((done, total)))
    seconds = time.perf_counter() - started
    total = len(seen)
    progress_ok = seen == [(i, total) for i in range(1, total + 1)]
    if not progress_ok:
        raise SystemExit(f"{label}: progress was not reported once per session in order")
    return corpus.to_json()["total"] | {"progress_reports": total}, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t = time.perf_counter()
        build_corpus(store, args.sessions)
        build_s = time.perf_counter() - t

        t = time.perf_counter()
        flows, events = read_everything(store)
        baseline_s = time.perf_counter() - t

        try:
            first, first_s = timed_replay(store, "first analysis")
            again, again_s = timed_replay(store, "replay")
        except ReplayError as exc:
            print(f"replay_all benchmark: {exc}", file=sys.stderr)
            return 2
        store.dispose()

    n = args.sessions
    figures = {
        "sessions": n, "flows": flows, "events": events, "build_s": round(build_s, 2),
        "baseline_read_s": round(baseline_s, 3), "baseline_sessions_per_s": round(n / baseline_s, 1),
        "first_analysis_s": round(first_s, 2), "first_analysis_sessions_per_s": round(n / first_s, 1),
        "replay_s": round(again_s, 2), "replay_sessions_per_s": round(n / again_s, 1),
        "replay_vs_baseline": round(again_s / baseline_s, 1),
        "failed": first["failed"] + again["failed"], "not_identical_on_replay": again["not_identical"],
        "changed_sessions_on_replay": again["changed_sessions"], "progress_reports": again["progress_reports"],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"corpus: {n} sessions, {flows} flows, {events} events (built in {build_s:.1f}s)")
        print(f"baseline (read all flows+events, no analysis): {baseline_s:.2f}s = {n / baseline_s:.0f} sessions/s")
        print(f"first analysis (replay --all):                 {first_s:.2f}s = {n / first_s:.0f} sessions/s")
        print(f"replay (replay --all, compare previous run):   {again_s:.2f}s = {n / again_s:.0f} sessions/s"
              f" ({again_s / baseline_s:.1f}x the baseline)")
        print(f"progress reported {again['progress_reports']} times; failed: {figures['failed']}; "
              f"not identical on replay: {again['not_identical']}; changed verdicts: {again['changed_sessions']}")
    return 1 if figures["failed"] or figures["not_identical_on_replay"] or figures["changed_sessions_on_replay"] else 0


if __name__ == "__main__":
    sys.exit(main())
