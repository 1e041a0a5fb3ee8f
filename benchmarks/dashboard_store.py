"""The large synthetic store of benchmarks/dashboard.py, generated once and kept.

The store is a named PostgreSQL database (``consentry_bench`` by default). It is reused
when its label (a database comment naming the generator version and size) and its row
counts match; otherwise it is dropped and generated again. Rows go in with COPY at
schema revision 0005 and the newer migrations run afterwards, so their indexes are built
once over the full tables (as on a real store that upgrades) instead of row by row.

Distributions follow what a lab store holds: a few SDKs on most apps and a long tail,
more findings before consent than after, a skewed number of findings per session (some
sessions have none, a few have many), several flows per host, a re-analysed share of
sessions (an older run kept, not current), and reviewers' marks on some sessions plus a
few store-wide suppression rules.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from dataclasses import dataclass, field

GENERATOR = 3  # bump when the rows change: a kept database of another version is rebuilt
PRE_INDEX_REVISION = "0005_ui_evidence"
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
CHOICES = ["accept", "refuse", "none", "withdraw"]
SESSIONS_PER_APP = 10
FINDINGS_PER_SESSION = 100  # on average; the per-session number is skewed
REANALYSED = 0.05  # share of sessions with an older, no longer current analysis run
REVIEWED = 0.03  # share of sessions whose findings a reviewer went through

# SDK -> its collection hosts; popularity falls off with the position (Zipf-like).
SDK_HOSTS = {
    "firebase": ["app-measurement.com", "firebaselogging-pa.googleapis.com"],
    "umeng": ["api.umeng.com", "ulogs.umeng.com", "alogus.umeng.com"],
    "bugly": ["android.bugly.qq.com"],
    "jpush": ["sdk.jpush.cn", "stats.jpush.cn"],
    "amap": ["restapi.amap.com", "apilocate.amap.com"],
    "appsflyer": ["t.appsflyer.com", "conversions.appsflyer.com"],
    "getui": ["sdk.open.phone.igexin.com"],
    "tencent_ads": ["mi.gdt.qq.com"],
    "pangle": ["api-access.pangolin-sdk-toutiao.com"],
    "baidu_map": ["loc.map.baidu.com"],
    "adjust": ["app.adjust.com"],
    "facebook": ["graph.facebook.com"],
}
OTHER_HOSTS = ["cdn.example-cdn.com", "log.analytics-hub.cn", "api.weather-feed.com", "img.picstore.cn"]
RULES = {"pre-consent-transmission": 40, "third-party-transmission": 28, "pre-consent-api-call": 15,
         "post-refusal-transmission": 10, "cleartext-transmission": 7}
PHASES_BY_CHOICE = {"accept": ["pre_consent"] * 3 + ["post_consent"] * 2, "refuse": ["pre_consent"] * 2 + ["post_refusal"] * 3,
                    "none": ["pre_consent"] * 4 + ["ambiguous"], "withdraw": ["pre_consent", "post_consent", "post_withdrawal"] * 2}
PII = {"android_id": 30, "oaid": 18, "imei": 12, "location": 10, "mac": 8, "serial": 6, "imsi": 5, "phone_number": 4,
       "ip_address": 4, "installed_apps": 3}
CONFIDENCE = {"high": 70, "medium": 22, "low": 8}
STATES = {"false_positive": 50, "confirmed": 35, "accepted_risk": 15}
API_BY_PII = {"imei": "android.telephony.TelephonyManager.getImei", "android_id": "android.provider.Settings$Secure.getString",
              "oaid": "com.bun.miitmdid.core.MdidSdkHelper.InitSdk", "mac": "java.net.NetworkInterface.getHardwareAddress",
              "location": "android.location.LocationManager.getLastKnownLocation", "serial": "android.os.Build.getSerial",
              "imsi": "android.telephony.TelephonyManager.getSubscriberId", "phone_number": "android.telephony.TelephonyManager.getLine1Number",
              "ip_address": "java.net.NetworkInterface.getInetAddresses", "installed_apps": "android.content.pm.PackageManager.getInstalledPackages"}


@dataclass
class Size:
    apps: int
    sessions: int
    findings: int  # current ones (the kept older runs add about REANALYSED more)

    @classmethod
    def at(cls, scale: float) -> "Size":
        apps = max(2, round(1000 * scale))
        return cls(apps, apps * SESSIONS_PER_APP, apps * SESSIONS_PER_APP * FINDINGS_PER_SESSION)

    @property
    def label(self) -> str:
        return f"consentry dashboard bench: generator {GENERATOR}, {self.apps} apps, {self.sessions} sessions, {self.findings} findings"


@dataclass
class Made:
    """What the measurement needs to pick realistic subjects."""

    session_names: list[str] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    url_parts: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, table: dict[str, int]):
    keys, weights = list(table), list(table.values())
    return lambda: rng.choices(keys, weights)[0]


def _findings_per_session(rng: random.Random, n_sessions: int, total: int) -> list[int]:
    """A skewed split of TOTAL over the sessions (lognormal, a tenth with none), summing exactly."""
    weights = [0.0 if rng.random() < 0.1 else rng.lognormvariate(0, 1.0) for _ in range(n_sessions)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    short = total - sum(counts)
    order = sorted(range(n_sessions), key=lambda i: weights[i], reverse=True)
    for i in range(short):
        counts[order[i % n_sessions]] += 1
    return counts


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def fill(conn, size: Size, rng: random.Random) -> None:
    """COPY the synthetic store through a psycopg connection (one transaction)."""
    sdk_names = list(SDK_HOSTS)
    sdk_weights = [1 / (i + 1) for i in range(len(sdk_names))]
    rule_of, pii_of, conf_of, state_of = (_weighted(rng, t) for t in (RULES, PII, CONFIDENCE, STATES))
    with conn.cursor() as cur:
        apps: list[tuple[str, list[uuid.UUID], list[str], list[str]]] = []  # package, version ids, sdks, own hosts
        with cur.copy("COPY apps (id, package, version, name, first_party_domains) FROM STDIN") as cp:
            for a in range(size.apps):
                package = f"com.bench{a % 37}.app{a:05d}"
                n_versions = rng.choice([1, 2, 3, 3, 4, 5])
                ids = []
                for v in range(n_versions):
                    ids.append(_uuid(rng))
                    cp.write_row((ids[-1], package, f"{1 + v // 2}.{v % 2}.{rng.randrange(10)}", f"Bench app {a}", json.dumps([f"app{a}.example.cn"])))
                sdks = sorted(set(rng.choices(sdk_names, sdk_weights, k=rng.randint(2, 6))))
                apps.append((package, ids, sdks, [f"api.app{a}.example.cn", f"img.app{a}.example.cn"]))
        per_session = _findings_per_session(rng, size.sessions, size.findings)
        sessions = []  # (id, name, start, app index, choice)
        with cur.copy("COPY sessions (id, name, app_id, status, consent_choice, created_at, started_at, ended_at, "
                      "clock_offset_ms, clock_uncertainty_ms, meta) FROM STDIN") as cp:
            for a, (package, ids, _sdks, _own) in enumerate(apps):
                for k in range(SESSIONS_PER_APP):
                    v = min(k * len(ids) // SESSIONS_PER_APP, len(ids) - 1)
                    choice = CHOICES[k % 4]
                    start = T0 + dt.timedelta(days=rng.randrange(300), seconds=rng.randrange(86400))
                    sid = _uuid(rng)
                    name = f"{package.rsplit('.', 1)[1]}-v{v}-{choice}-{k}"
                    status = "finished" if rng.random() < 0.95 else rng.choice(["app_crashed", "detached", "interrupted"])
                    cp.write_row((sid, name, ids[v], status, choice, start, start, start + dt.timedelta(minutes=3), 0.0, 5.0, "{}"))
                    sessions.append((sid, name, start, a, choice))
        flows: dict[uuid.UUID, list[tuple[uuid.UUID, int, str, str, str | None, float]]] = {}
        with cur.copy("COPY flows (id, session_id, seq, source, method, url, scheme, host, port, path, http_version, "
                      "request_headers, request_body_size, request_truncated, status_code, response_headers, "
                      "response_body_size, response_truncated, ts_start, tls, is_websocket, meta) FROM STDIN") as cp:
            for (sid, _name, start, a, _choice), n_findings in zip(sessions, per_session):
                _pkg, _ids, sdks, own = apps[a]
                n_flows = max(3, min(200, n_findings // 4 + rng.randint(0, 4)))
                out = []
                for seq in range(1, n_flows + 1):
                    r = rng.random()
                    if r < 0.6:
                        sdk = rng.choice(sdks)
                        host = rng.choice(SDK_HOSTS[sdk])
                    elif r < 0.85:
                        sdk, host = None, rng.choice(own)
                    else:
                        sdk, host = None, rng.choice(OTHER_HOSTS)
                    path = rng.choice(["/collect", "/v1/track", "/u/log", "/api/report", "/config"])
                    url = f"{'https' if rng.random() < 0.93 else 'http'}://{host}{path}?app={a}&sid={rng.getrandbits(40):010x}&n={seq}"
                    offset = 1.0 + seq * 170.0 / n_flows
                    fid = _uuid(rng)
                    out.append((fid, seq, host, url, sdk, offset))
                    cp.write_row((fid, sid, seq, "proxy", "POST", url, url.split(":", 1)[0], host, 443, path, "HTTP/1.1",
                                  '[["content-type", "application/json"]]', 180, False, 200, "[]", 20, False,
                                  start + dt.timedelta(seconds=offset), True, False, "{}"))
                flows[sid] = out
        with cur.copy("COPY events (id, session_id, seq, type, ts_source_ms, ts, origin, data) FROM STDIN") as cp:
            for sid, _name, start, _a, choice in sessions:
                seq = 0
                for action, at in (("shown", 20.0), ({"accept": "granted", "refuse": "refused"}.get(choice), 25.0)):
                    if action:
                        seq += 1
                        ts = start + dt.timedelta(seconds=at)
                        data = {"type": "consent", "ts": ts.timestamp() * 1000, "action": action, "source": "ui", "sdk": None}
                        cp.write_row((_uuid(rng), sid, seq, "consent", data["ts"], ts, "hook", json.dumps(data)))
                for _ in range(rng.randint(3, 20)):
                    seq += 1
                    ts = start + dt.timedelta(seconds=rng.uniform(0.5, 170))
                    kind = pii_of()
                    data = {"type": "api_call", "ts": ts.timestamp() * 1000, "api": API_BY_PII[kind], "kind": kind,
                            "ret": f"{rng.getrandbits(48):012x}", "args": [], "stack": ["com.sdk.Collector.run", "java.lang.Thread.run"], "count": 1}
                    cp.write_row((_uuid(rng), sid, seq, "api_call", data["ts"], ts, "hook", json.dumps(data)))
        runs = []  # (session tuple, current run id, old run id or None, the rules of its findings)
        with cur.copy("COPY analysis_runs (id, session_id, ruleset_version, tool_version, started_at, finished_at, "
                      "status, is_current, stats, verdicts) FROM STDIN") as cp:
            for sess, n_findings in zip(sessions, per_session):
                sid, start = sess[0], sess[2]
                rules = [rule_of() for _ in range(n_findings)]
                old = _uuid(rng) if rng.random() < REANALYSED else None
                current = _uuid(rng)
                runs.append((sess, current, old, rules))
                done = start + dt.timedelta(minutes=4)
                if old is not None:  # the earlier run found the first two thirds of the same findings
                    kept = rules[: len(rules) * 2 // 3]
                    cp.write_row((old, sid, "2026.10.1", "bench", done, done, "done", False, "{}",
                                  json.dumps({r: kept.count(r) for r in RULES if r in kept})))
                cp.write_row((current, sid, "2026.11.1", "bench", done, done, "done", True, "{}",
                              json.dumps({r: rules.count(r) for r in RULES if r in rules})))
        marks = []
        with cur.copy("COPY findings (id, run_id, session_id, ordinal, rule, phase, pii_type, flow_id, ts, sdk, "
                      "confidence, data) FROM STDIN") as cp:
            for (sid, _name, start, _a, choice), current, old, rules in runs:
                reviewed = rng.random() < REVIEWED
                phases = PHASES_BY_CHOICE[choice]
                session_flows = flows[sid]
                rows = []
                for i, rule in enumerate(rules):
                    fid, seq, host, url, sdk, offset = rng.choice(session_flows)
                    pii, phase = pii_of(), rng.choice(phases)
                    ts = start + dt.timedelta(seconds=offset, microseconds=i)
                    key = f"{rng.getrandbits(256):064x}"
                    value = f"{pii}:{rng.getrandbits(60):015x}"
                    data = {"id": key, "rule": rule, "phase": phase, "pii_type": pii, "confidence": conf_of(),
                            "ts": ts.isoformat(), "sdk": sdk, "location": "body", "encoding": ["json:$.d"],
                            "flow": {"id": str(fid), "seq": seq, "url": url, "method": "POST", "host": host, "ts": ts.isoformat()},
                            "destination": {"host": host, "party": "first" if ".example.cn" in host else "third", "sdk": sdk},
                            "evidence": {"value": value, "matched": value, "excerpt": f'{{"d":"{value}"}}', "path": "json:$.d"}}
                    rows.append((key, sid, i, rule, phase, pii, fid, ts, sdk, data["confidence"], json.dumps(data)))
                    if reviewed and rng.random() < 0.3:
                        marks.append((sid, key, state_of(), {"rule": rule, "pii_type": pii, "host": host, "url": url}))
                for key, s, i, *rest in rows:
                    cp.write_row((key, current, s, i, *rest))
                if old is not None:
                    for key, s, i, *rest in rows[: len(rows) * 2 // 3]:
                        cp.write_row((key, old, s, i, *rest))
        with cur.copy("COPY triage_marks (session_id, finding_key, state, reason, author, created_at, updated_at, summary) FROM STDIN") as cp:
            for sid, key, state, summary in marks:
                cp.write_row((sid, key, state, "bench review", rng.choice(["ana", "li", "sam"]), T0, T0, json.dumps(summary)))
        with cur.copy("COPY triage_suppressions (app_package, host, rule, pii_type, sdk, state, reason, author, created_at, active) FROM STDIN") as cp:
            cp.write_row((None, "app-measurement.com", None, "ip_address", None, "accepted_risk", "bench", "ana", T0, True))
            cp.write_row((apps[7 % len(apps)][0], "example.cn", "third-party-transmission", None, None, "false_positive", "first party", "li", T0, True))
            cp.write_row((None, None, "cleartext-transmission", None, "bugly", "confirmed", "bench", "sam", T0, True))
            cp.write_row((None, "cdn.example-cdn.com", None, None, None, "false_positive", "bench", "sam", T0, False))
    conn.commit()


def counts_of(conn) -> tuple[int, int, int]:
    row = conn.execute(
        "SELECT (SELECT count(DISTINCT package) FROM apps), (SELECT count(*) FROM sessions), "
        "(SELECT count(*) FROM findings f JOIN analysis_runs r ON r.id = f.run_id AND r.is_current)").fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def subjects(conn, rng: random.Random) -> Made:
    """Names, packages, hosts and search needles that exist in the store."""
    made = Made()
    made.session_names = [r[0] for r in conn.execute("SELECT name FROM sessions ORDER BY name")]
    made.packages = [r[0] for r in conn.execute("SELECT DISTINCT package FROM apps ORDER BY package")]
    made.hosts = sorted({h for hosts in SDK_HOSTS.values() for h in hosts} | set(OTHER_HOSTS))
    sample = conn.execute("SELECT data->'flow'->>'url', data->'evidence'->>'value' FROM findings TABLESAMPLE SYSTEM (0.5) LIMIT 400").fetchall()
    # A URL search names a request id (rare: one flow), a value search a whole identifier.
    made.url_parts = [url.split("sid=", 1)[1].split("&", 1)[0] for url, _v in sample if url and "sid=" in url]
    made.values = [v for _u, v in sample if v]
    return made


def ensure(admin_url: str, db_name: str, size: Size, *, fresh: bool, log=print) -> str:
    """The URL of a database holding SIZE (generated now unless kept from an earlier run)."""
    import psycopg

    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{db_name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (db_name,)).fetchone()
        keep = row is not None and row[0] == size.label and not fresh
        if keep:
            with psycopg.connect(url) as conn:
                got = counts_of(conn)
            keep = got == (size.apps, size.sessions, size.findings)
            if not keep:
                log(f"kept database {db_name} holds {got} (apps, sessions, current findings): generating again")
        if keep:
            log(f"store: reusing database {db_name} ({size.label})")
            return url
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{db_name}"')
    started = time.perf_counter()
    _migrate(url, PRE_INDEX_REVISION)
    with psycopg.connect(url) as conn:
        fill(conn, size, random.Random(14))
    copied = time.perf_counter() - started
    _migrate(url, "head")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        # labelled last: a generation cut short is never taken for a complete one
        admin.execute(f"COMMENT ON DATABASE \"{db_name}\" IS '{size.label}'")
    log(f"store: generated {db_name} in {time.perf_counter() - started:.0f} s (COPY {copied:.0f} s, then "
        f"migrations to head and VACUUM ANALYZE)")
    return url


def _migrate(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from analyzer.store.db import MIGRATIONS_DIR

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
