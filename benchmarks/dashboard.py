"""Server time of the dashboard's pages on a large PostgreSQL store.

    .venv/bin/python benchmarks/dashboard.py                 # 1,000 apps, 10,000 sessions, 1,000,000 findings
    .venv/bin/python benchmarks/dashboard.py --scale 0.1     # a tenth of that
    .venv/bin/python benchmarks/dashboard.py --fresh         # generate the store again

The store is generated once into the database ``consentry_bench`` on 127.0.0.1:5432
(``consentry_bench_<apps>`` at another --scale; benchmarks/dashboard_store.py: COPY, realistic distributions, triage marks and
suppression rules) and reused while its label and row counts match. The dashboard runs as
a real ``consentry serve`` process on 127.0.0.1; every page and its /api/ twin get
--requests requests (random subjects), interleaved with a trivial ``/healthz`` as the
same-run baseline, so a loaded machine shows in the baseline as much as in the pages.
Per page: the server's own time (the ``Server-Timing`` header: queries and rendering) and
the end-to-end time seen by the client, median, p95 and max, and the server's RSS before
and after the requests (memory stays flat: no page loads all rows). Target: p95 under
300 ms at full scale.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboard_store as bench_store  # noqa: E402

ADMIN = os.environ.get("CONSENTRY_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
TARGET_P95_MS = 300.0


@dataclass
class Case:
    label: str
    paths: list[str]
    server: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]  # nearest rank


def start_server(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    """`consentry serve --port 0` on the store; (process, base URL)."""
    import httpx

    exe = Path(sys.executable).parent / "consentry"
    env = {**os.environ, "CONSENTRY_DB": url, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text()
        if "http://127.0.0.1:" in text:
            # the line comes once the socket is bound; uvicorn listens a moment later
            base = "http://127.0.0.1:" + text.split("http://127.0.0.1:", 1)[1].split("/", 1)[0]
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                    return proc, base
            except httpx.TransportError:
                pass
        if proc.poll() is not None:
            raise SystemExit(f"consentry serve exited: {text.strip()[-500:]}")
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("consentry serve did not start within 120 s")


def cases(made: bench_store.Made, n: int, rng: random.Random) -> list[Case]:
    from analyzer.web.cursor import encode

    rules = list(bench_store.RULES)
    pii = list(bench_store.PII)
    sessions = [quote(rng.choice(made.session_names), safe="") for _ in range(n)]
    apps_after = [encode(rng.choice(made.packages)) for _ in range(n)]
    filtered = [f"rule={rng.choice(rules)}&pii_type={rng.choice(pii)}" for _ in range(n)]
    return [
        Case("baseline: /healthz", ["/healthz"] * n),
        Case("apps page (random page)", [f"/?after={a}" for a in apps_after]),
        Case("  api: /api/apps", [f"/api/apps?after={a}" for a in apps_after]),
        Case("findings page (rule+pii_type)", [f"/findings?{q}" for q in filtered]),
        Case("  api: /api/findings", [f"/api/findings?{q}" for q in filtered]),
        Case("session page", [f"/sessions/{s}" for s in sessions]),
        Case("  api: /api/sessions/NAME", [f"/api/sessions/{s}" for s in sessions]),
        Case("  api: .../NAME/findings", [f"/api/sessions/{s}/findings" for s in sessions]),
        Case("findings: host", [f"/findings?host={rng.choice(made.hosts)}" for _ in range(n)]),
        Case("findings: app", [f"/findings?app={rng.choice(made.packages)}" for _ in range(n)]),
        Case("findings: triage=untriaged", ["/findings?triage=untriaged"] * n),
        Case("findings: triage=false_positive", [f"/findings?triage=false_positive&rule={rng.choice(rules)}" for _ in range(n)]),
        Case("findings: q=URL part (one flow)", [f"/findings?q={rng.choice(made.url_parts)}" for _ in range(n)]),
        Case("findings: q=value", [f"/findings?q={quote(rng.choice(made.values))}" for _ in range(n)]),
        Case("findings: 2nd page (keyset)", []),  # filled from the first pages' cursors
    ]


def measure(client, case: Case, path: str) -> None:
    started = time.perf_counter()
    r = client.get(path)
    total = (time.perf_counter() - started) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
    timing = r.headers.get("server-timing", "")
    case.server.append(float(timing.split("dur=", 1)[1]) if "dur=" in timing else float("nan"))
    case.total.append(total)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of 1,000 apps / 10,000 sessions / 1,000,000 findings")
    ap.add_argument("--requests", type=int, default=50, help="requests per page")
    ap.add_argument("--db-name", help="the kept benchmark database (default consentry_bench, at another scale "
                                      "consentry_bench_<apps>: each size keeps its own)")
    ap.add_argument("--fresh", action="store_true", help="generate the store again even if the kept one matches")
    args = ap.parse_args()
    if not 0 < args.scale <= 10:
        ap.error("--scale must be in (0, 10]")
    if args.requests < 2:
        ap.error("--requests must be at least 2")
    import httpx
    import psycopg

    size = bench_store.Size.at(args.scale)
    db_name = args.db_name or ("consentry_bench" if size.apps == 1000 else f"consentry_bench_{size.apps}")
    url = bench_store.ensure(ADMIN, db_name, size, fresh=args.fresh)
    sa_url = url.replace("postgresql://", "postgresql+psycopg://")
    started = time.perf_counter()
    from analyzer.store import open_store

    open_store(sa_url).dispose()  # migrations to head before the server starts (index builds on a kept store)
    migrated = time.perf_counter() - started
    rng = random.Random(14)
    with psycopg.connect(url) as conn:
        apps, n_sessions, n_findings = bench_store.counts_of(conn)
        all_findings = conn.execute("SELECT count(*) FROM findings").fetchone()[0]
        marks = conn.execute("SELECT count(*) FROM triage_marks").fetchone()[0]
        made = bench_store.subjects(conn, rng)
        trigram = [r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'findings' "
                                              "AND indexname LIKE '%trgm' ORDER BY 1")]
    print(f"store: {apps} apps, {n_sessions} sessions, {n_findings} current findings ({all_findings} rows with "
          f"older runs), {marks} triage marks; migrations {migrated:.1f} s; trigram indexes: {', '.join(trigram) or 'none'}")
    n = args.requests
    todo = cases(made, n, rng)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(sa_url, Path(tmp) / "serve.log")
        try:
            with httpx.Client(base_url=base, timeout=120) as client:
                for case in todo:  # warm-up: imports, templates, connection pool, catalogue caches
                    for path in case.paths[:2]:
                        client.get(path)
                second = todo[-1]
                first = next(c for c in todo if c.label.startswith("findings page"))
                for path in first.paths:
                    cursor = client.get("/api/findings?" + path.split("?", 1)[1]).json()["next"]
                    second.paths.append(f"{path}&after={cursor}" if cursor else path)
                rss_before = rss_mb(proc.pid)
                load_before = os.getloadavg()
                rss_half = 0.0
                for i in range(n):
                    for case in todo:
                        measure(client, case, case.paths[i])
                    if i == n // 2:
                        rss_half = rss_mb(proc.pid)
                rss_after = rss_mb(proc.pid)
                load_after = os.getloadavg()
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"{n} requests per page, interleaved; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"({os.cpu_count()} CPUs)")
    print(f"{'':34} {'server time (Server-Timing), ms':>33}   {'end to end (uvicorn, 127.0.0.1), ms':>37}")
    print(f"{'page':34} {'median':>9} {'p95':>9} {'max':>9}   {'median':>11} {'p95':>11} {'max':>9}")
    for case in todo:
        print(f"{case.label:34} {statistics.median(case.server):9.1f} {p95(case.server):9.1f} {max(case.server):9.1f}   "
              f"{statistics.median(case.total):11.1f} {p95(case.total):11.1f} {max(case.total):9.1f}")
    print(f"server RSS: {rss_before:.0f} MB before the requests, {rss_half:.0f} MB halfway, {rss_after:.0f} MB after "
          f"({rss_after - rss_before:+.0f} MB)")
    over = [c.label.strip() for c in todo[1:] if p95(c.server) >= TARGET_P95_MS]
    print(f"target p95 < {TARGET_P95_MS:.0f} ms (server time): " + ("met by every page" if not over else "missed by " + ", ".join(over)))


if __name__ == "__main__":
    main()
