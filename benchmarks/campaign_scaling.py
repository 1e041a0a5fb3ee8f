"""Benchmark: the same campaign on 1 and on 3 lab-device stations, side by side.

Each round creates the same campaign (lab scenarios × consent plans) in a fresh store
and runs it to the end, then prints wall time, sessions per hour, the speed-up over one
station, and the mean session length (how long each session held its device).

Modes:
- ``embedded`` (default): ``campaign run --devices lab,…`` in this process, one thread
  per device, the same job code and store claims as the Celery stations;
- ``celery``: real ``consentry worker --device lab`` stations and one analysis worker as
  subprocesses on a RabbitMQ broker (``--broker``, default the local one), queues with a
  random prefix per round.

    .venv/bin/python benchmarks/campaign_scaling.py --quick            # 3 apps × 2 plans
    .venv/bin/python benchmarks/campaign_scaling.py --mode celery      # 6 apps × 3 plans
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

APPS = ("preconsent_leak", "compliant", "withdraw", "refusal_ignored", "party_split", "encoded_ids")
PLANS = ("accept", "accept-after=1", "withdraw-after=1")
CONSENTRY = Path(sys.executable).parent / "consentry"


def make_campaign(store, name: str, apps, plans, reports: Path):
    from analyzer.campaign import state as st
    from analyzer.campaign.spec import AppLine

    return st.create_campaign(store, name, [AppLine(a) for a in apps], list(plans), duration_s=60,
                              options={"dialog_timeout_ms": 3000, "reports_dir": str(reports)})


def run_embedded(store, campaign, stations: int) -> None:
    from analyzer.campaign.embedded import run_embedded as run

    run(store, campaign, ["lab"] * stations)


def run_celery(store, campaign, stations: int, *, db_url: str, broker: str, workdir: Path) -> None:
    from analyzer.campaign.broker import dispatch_pending
    from analyzer.campaign.progress import CampaignProgress

    prefix = f"consentry-bench-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, CONSENTRY_DB=db_url, PYTHONUNBUFFERED="1")
    common = ["--broker", broker, "--queue-prefix", prefix, "--loglevel", "INFO"]
    commands = [["worker", "--device", "lab", "--name", f"bench{i + 1}", *common] for i in range(stations)]
    commands.append(["worker", "--analysis", *common])
    workers = []
    try:
        for i, args in enumerate(commands):
            log = open(workdir / f"worker{i}.log", "wb")
            workers.append((subprocess.Popen([str(CONSENTRY), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True), workdir / f"worker{i}.log"))
        for proc, log in workers:
            while b" ready." not in log.read_bytes():
                if proc.poll() is not None:
                    raise SystemExit(f"worker exited: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        started = time.monotonic()
        dispatch_pending(store, campaign, broker, prefix=prefix)
        CampaignProgress(store, campaign, quiet=True).wait_until_done(None)
        return time.monotonic() - started
    finally:
        for proc, _ in workers:
            proc.terminate()
        for proc, _ in workers:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def one_round(stations: int, args, workdir: Path) -> dict:
    from analyzer.campaign import state as st
    from analyzer.store import open_store

    db_url = args.db or f"sqlite:///{workdir / f'round{stations}.db'}"
    store = open_store(db_url)
    name = f"bench{stations}-{uuid.uuid4().hex[:6]}"
    campaign = make_campaign(store, name, args.apps, args.plans, workdir / "reports")
    started = time.monotonic()
    if args.mode == "embedded":
        run_embedded(store, campaign, stations)
        wall = time.monotonic() - started
    else:
        wall = run_celery(store, campaign, stations, db_url=db_url, broker=args.broker, workdir=workdir)
    jobs = st.jobs_of(store, campaign)
    finished = [j for j in jobs if j.state == "finished"]
    lengths = []
    for job in finished:
        s = store.get_session(job.result["session"])
        lengths.append((s.ended_at - s.started_at).total_seconds())
    return {"stations": stations, "jobs": len(jobs), "finished": len(finished), "wall_s": round(wall, 1),
            "sessions_per_hour": round(len(finished) / wall * 3600, 1),
            "mean_session_s": round(statistics.mean(lengths), 1) if lengths else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 apps × 2 plans instead of 6 × 3")
    parser.add_argument("--mode", choices=("embedded", "celery"), default="embedded")
    parser.add_argument("--broker", default=os.environ.get("CONSENTRY_BROKER", "amqp://guest:guest@127.0.0.1:5672//"))
    parser.add_argument("--db", default=None, help="store URL (default: a fresh SQLite file per round)")
    parser.add_argument("--stations", default="1,3", help="station counts to compare")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.apps, args.plans = (APPS[:3], PLANS[:2]) if args.quick else (APPS, PLANS)
    from analyzer.lab.build import ensure_built

    ensure_built()
    rows = []
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        for n in (int(x) for x in args.stations.split(",")):
            rows.append(one_round(n, args, Path(tmp)))
            print(f"  {n} station(s): {rows[-1]}", file=sys.stderr, flush=True)
    base = rows[0]["wall_s"]
    for row in rows:
        row["speedup"] = round(base / row["wall_s"], 2) if row["wall_s"] else None
    if args.json:
        print(json.dumps({"mode": args.mode, "apps": len(args.apps), "plans": len(args.plans), "rounds": rows}, indent=2))
        return
    print(f"campaign {len(args.apps)} apps × {len(args.plans)} plans, {args.mode} mode, {os.cpu_count()} CPUs")
    print(f"{'stations':>8} {'finished':>9} {'wall s':>8} {'sessions/h':>11} {'speed-up':>9} {'mean session s':>15}")
    for r in rows:
        print(f"{r['stations']:>8} {r['finished']:>5}/{r['jobs']:<3} {r['wall_s']:>8} {r['sessions_per_hour']:>11} "
              f"{r['speedup']:>9} {r['mean_session_s']!s:>15}")


if __name__ == "__main__":
    main()
