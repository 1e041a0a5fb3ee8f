"""Server time of the dashboard's pages on a large PostgreSQL store.

    .venv/bin/python benchmarks/dashboard.py                 # 1,000 apps, 10,000 sessions, 1,000,000 findings
    .venv/bin/python benchmarks/dashboard.py --scale 0.1     # a tenth of that

A throw-away database on 127.0.0.1:5432 (or --db URL, which must be empty) is migrated
and filled with COPY: apps with three versions, ten sessions per app over four consent
plans, one current analysis run per session, flows, hooked calls and 100 findings per
session in the report-JSON shape. Then 50 requests each (random subjects) to the apps
page, a filtered findings page and a session page go through the ASGI app in-process
(no network: the time is the server's), with median and p95, next to a static file as
the same-run baseline, and the process RSS after each round (memory stays flat:
nothing loads all rows). Target: p95 under 300 ms at full scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.store import open_store  # noqa: E402

ADMIN = os.environ.get("CONSENTRY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
RULES = ["pre-consent-transmission", "third-party-transmission", "post-refusal-transmission",
         "pre-consent-api-call", "cleartext-transmission"]
PHASES = ["pre_consent", "post_consent", "post_refusal", "post_withdrawal", "ambiguous"]
PII = ["imei", "android_id", "oaid", "mac", "location", "phone_number", "imsi", "serial"]
SDKS = ["umeng", "jpush", "amap", "bugly", "appsflyer", "firebase", None]
HOSTS = ["api.umeng.com", "sdk.jpush.cn", "restapi.amap.com", "android.bugly.qq.com", "t.appsflyer.com",
         "app-measurement.com", "api.example-app.cn"]
CHOICES = ["accept", "refuse", "none", "withdraw"]
VERSIONS = ["1.0", "1.1", "2.0"]
SESSIONS_PER_APP = 10
FINDINGS_PER_SESSION = 100
FLOWS_PER_SESSION = 5
CALLS_PER_SESSION = 5


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_database() -> str:
    import psycopg

    name = f"consentry_bench_dash_{os.getpid()}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(store, n_apps: int, rng: random.Random) -> list[str]:
    """COPY the synthetic store; returns the session names."""
    raw = store.engine.raw_connection()
    conn = raw.driver_connection
    names: list[str] = []
    try:
        with conn.cursor() as cur:
            app_ids: dict[tuple[int, str], uuid.UUID] = {}
            with cur.copy("COPY apps (id, package, version, first_party_domains) FROM STDIN") as cp:
                for a in range(n_apps):
                    for v in VERSIONS:
                        app_ids[(a, v)] = uuid.uuid4()
                        cp.write_row((app_ids[(a, v)], f"com.bench.app{a:05d}", v, json.dumps([f"app{a}.example.cn"])))
            sessions, runs = [], []
            with cur.copy("COPY sessions (id, name, app_id, status, consent_choice, created_at, started_at, ended_at, "
                          "clock_offset_ms, clock_uncertainty_ms, meta) FROM STDIN") as cp:
                for a in range(n_apps):
                    for k in range(SESSIONS_PER_APP):
                        sid = uuid.uuid4()
                        version = VERSIONS[min(k * len(VERSIONS) // SESSIONS_PER_APP, len(VERSIONS) - 1)]
                        start = T0 + dt.timedelta(days=a % 30, minutes=k * 7)
                        name = f"app{a:05d}-{version}-{CHOICES[k % 4]}-{k}"
                        cp.write_row((sid, name, app_ids[(a, version)], "finished", CHOICES[k % 4], start, start,
                                      start + dt.timedelta(minutes=2), 0.0, 5.0, "{}"))
                        sessions.append((sid, name, start, a))
                        names.append(name)
            with cur.copy("COPY flows (id, session_id, seq, source, method, url, scheme, host, port, path, http_version, "
                          "request_headers, request_body_size, request_truncated, response_headers, response_body_size, "
                          "response_truncated, ts_start, tls, is_websocket, meta) FROM STDIN") as cp:
                flow_ids: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
                for sid, _name, start, a in sessions:
                    for seq in range(1, FLOWS_PER_SESSION + 1):
                        host = HOSTS[(seq + a) % len(HOSTS)]
                        url = f"https://{host}/collect?app={a}&n={seq}"
                        fid = uuid.uuid4()
                        flow_ids.setdefault(sid, []).append((fid, host, url))
                        cp.write_row((fid, sid, seq, "proxy", "POST", url, "https", host, 443, "/collect", "HTTP/1.1",
                                      json.dumps([["content-type", "application/json"]]), 0, False, "[]", 0, False,
                                      start + dt.timedelta(seconds=seq), True, False, "{}"))
            with cur.copy("COPY events (id, session_id, seq, type, ts_source_ms, ts, origin, data) FROM STDIN") as cp:
                for sid, _name, start, _a in sessions:
                    for seq in range(1, CALLS_PER_SESSION + 1):
                        ts = start + dt.timedelta(seconds=seq)
                        data = {"type": "api_call", "ts": ts.timestamp() * 1000, "api": "android.telephony.TelephonyManager.getImei",
                                "kind": "imei", "ret": "86753091234567" + str(seq % 10), "args": [], "stack": ["com.umeng.Collector.run"], "count": 1}
                        cp.write_row((uuid.uuid4(), sid, seq, "api_call", data["ts"], ts, "hook", json.dumps(data)))
            with cur.copy("COPY analysis_runs (id, session_id, ruleset_version, tool_version, started_at, finished_at, "
                          "status, is_current, stats, verdicts) FROM STDIN") as cp:
                for sid, _name, start, _a in sessions:
                    rid = uuid.uuid4()
                    runs.append(rid)
                    verdicts = {r: rng.randint(0, 40) for r in RULES}
                    cp.write_row((rid, sid, "2026.11.1", "bench", start, start, "done", True, "{}", json.dumps(verdicts)))
            with cur.copy("COPY findings (id, run_id, session_id, ordinal, rule, phase, pii_type, flow_id, ts, sdk, "
                          "confidence, data) FROM STDIN") as cp:
                for (sid, _name, start, _a), rid in zip(sessions, runs):
                    flows = flow_ids[sid]
                    for i in range(FINDINGS_PER_SESSION):
                        fid, host, url = flows[i % len(flows)]
                        rule, phase, pii = RULES[i % 5], PHASES[(i // 5) % 5], PII[i % len(PII)]
                        sdk = SDKS[(i + len(host)) % len(SDKS)]
                        ts = start + dt.timedelta(seconds=1 + i % FLOWS_PER_SESSION, microseconds=i)
                        key = uuid.uuid4().hex
                        value = f"{pii}-{rng.randrange(10**9):09d}"
                        data = {"id": key, "rule": rule, "phase": phase, "pii_type": pii, "confidence": "high",
                                "ts": ts.isoformat(), "sdk": sdk, "location": "body", "encoding": ["json:$.d"],
                                "flow": {"id": str(fid), "url": url, "method": "POST", "host": host, "ts": ts.isoformat()},
                                "destination": {"host": host, "party": "third", "sdk": sdk},
                                "evidence": {"value": value, "matched": value, "excerpt": f'{{"d":"{value}"}}', "path": "json:$.d"}}
                        cp.write_row((key, rid, sid, i, rule, phase, pii, fid, ts, sdk, "high", json.dumps(data)))
        conn.commit()
        with conn.cursor() as cur:
            conn.autocommit = True
            cur.execute("ANALYZE")
    finally:
        raw.close()
    return names


def timed(client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        start = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
    return times


def row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return f"{label:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   rss {rss_mb():6.0f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000 apps / 10,000 sessions / 1,000,000 findings")
    ap.add_argument("--requests", type=int, default=50, help="requests per page")
    ap.add_argument("--db", help="an empty PostgreSQL database URL (default: a throw-away one)")
    ap.add_argument("--keep", action="store_true", help="keep the throw-away database")
    args = ap.parse_args()
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    n_apps = max(2, int(1000 * args.scale))
    made = None
    url = args.db
    if url is None:
        made = make_database()
        url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{made}"
    try:
        store = open_store(url)
        rng = random.Random(14)
        started = time.perf_counter()
        names = fill(store, n_apps, rng)
        n_sessions = len(names)
        print(f"store: {n_apps} apps x {len(VERSIONS)} versions, {n_sessions} sessions, "
              f"{n_sessions * FINDINGS_PER_SESSION} findings, {n_sessions * FLOWS_PER_SESSION} flows "
              f"(filled in {time.perf_counter() - started:.1f} s)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient
        from analyzer.web.app import create_app

        client = TestClient(create_app(store))
        n = args.requests
        timed(client, ["/", "/findings", f"/sessions/{names[0]}", "/static/dashboard.css"])  # warm up
        print(f"rss after warm-up {rss_mb():.0f} MB")
        print(row("baseline: static file", timed(client, ["/static/dashboard.css"] * n)))
        print(row("apps page (first)", timed(client, ["/"] * n)))
        after = None
        for _ in range(5):
            body = client.get("/api/apps", params={"after": after} if after else {}).json()
            after = body["next"] or after
        deep = [f"/?after={after}" if after else "/"] * n
        print(row("apps page (6th page, keyset)", timed(client, deep)))
        filtered = [f"/findings?rule={rng.choice(RULES)}&pii_type={rng.choice(PII)}&phase={rng.choice(PHASES)}" for _ in range(n)]
        print(row("findings page (rule+pii+phase)", timed(client, filtered)))
        print(row("findings page (sdk+host)", timed(client, [f"/findings?sdk={rng.choice(SDKS[:-1])}&host={rng.choice(HOSTS)}" for _ in range(n)])))
        print(row("findings page (app)", timed(client, [f"/findings?app=com.bench.app{rng.randrange(n_apps):05d}" for _ in range(n)])))
        print(row("findings page (triage=untriaged)", timed(client, [f"/findings?triage=untriaged&rule={rng.choice(RULES)}" for _ in range(n)])))
        # Search scans findings newest first until a page is full: a rare needle reads far.
        print(row("findings search (q=URL part)", timed(client, [f"/findings?q=app={rng.randrange(n_apps)}%26n=" for _ in range(n)])))
        print(row("session page", timed(client, [f"/sessions/{rng.choice(names)}" for _ in range(n)])))
        print(row("session page (again: memory)", timed(client, [f"/sessions/{rng.choice(names)}" for _ in range(n)])))
        print(row("api: session findings", timed(client, [f"/api/sessions/{rng.choice(names)}/findings" for _ in range(n)])))
        store.dispose()
    finally:
        if made and not args.keep:
            drop_database(made)


if __name__ == "__main__":
    main()
