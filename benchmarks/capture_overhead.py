"""What the capture addon costs: the same HTTPS load through plain mitmdump and with the addon.

    python benchmarks/capture_overhead.py --requests 2000 --clients 8 --rounds 5 --rate 200

A local HTTPS upstream (its own CA, verified by the proxy) serves the requests; several
concurrent clients send small POSTs and, every ``--large-every`` requests, a 100 KB body.

Up to three proxies run side by side for the whole benchmark: plain mitmdump, mitmdump
with the capture addon writing to SQLite, and the same writing to PostgreSQL (a database
made for the run and dropped after it). All are warmed up first. In each round every
proxy gets the same load at the same time, from a client process of its own, so a busy
spell of a shared machine hits all of them alike; each addon is compared with the plain
proxy of the same round, and the summary gives the median and the spread of the rounds.
Two figures per round:

* requests/s seen by the clients: it swings with whatever else the machine runs (the
  clients and the upstream share it with the proxy);
* proxy CPU time per request: user + system time of the mitmdump process, all its
  threads, and of every process it started (a writer process would count), from /proc.
  It is the figure of record: waiting does not count, so it stays steady on a busy
  machine. For the addon it is read once every flow of the round is in the store, so it
  includes the store writes. (PostgreSQL's own server processes are not the proxy's and
  are not counted; SQLite runs inside the proxy and is.) ``--rate`` paces every proxy at
  the same request rate, so all do the same work per event-loop turn (unpaced, a proxy
  starved of CPU batches more events per turn and looks cheaper per request).

The addon's cost is the ratio of the medians; the target is <= 5%. ``--check`` exits 1
when the CPU cost misses it on any store. At the end each addon session must hold every
request.

``--breakdown`` adds three more proxies to every round, the addon cut short at one step of
its data path (benchmarks/capture_variants.py): its hooks called and returning at once;
the snapshot taken on the event loop; the writer making the store rows without writing.
Each is compared with the plain proxy of the same round, and the step's own cost is its
difference from the step before (the last step: the store write of each full addon).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from analyzer.capture.proxy import ProxyError, ProxyHandle, start_proxy  # noqa: E402
from analyzer.capture.upstream import Upstream, make_test_ca  # noqa: E402
from analyzer.store import open_store  # noqa: E402
from analyzer.store.db import StoreError  # noqa: E402

LARGE = b"L" * (100 * 1024)
TARGET_COST = 0.05  # the addon may cost at most 5%
STORES = ("sqlite", "postgresql")
STEPS = (("hooks", "addon loaded, its flow hooks return at once"),
         ("snapshot", "+ snapshot of each flow on the event loop"),
         ("rows", "+ writer thread makes the rows (no transaction)"))
VARIANTS = Path(__file__).resolve().parent / "capture_variants.py"
DEFAULT_PG = os.environ.get("CONSENTRY_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_MITMDUMP = "from mitmproxy.tools.main import mitmdump; mitmdump()"


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """User+system CPU time of a process and all its threads, or of one thread (Linux /proc)."""
    path = f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process, its threads, its running children and the children it waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        for child in children:
            try:
                total += tree_cpu_seconds(int(child))
            except FileNotFoundError:  # ended meanwhile: its parent's cutime has it once waited for
                pass
    return total


@dataclass
class Subject:
    """One proxy under test and its measured rounds."""

    name: str
    pid: int
    proxy_url: str
    stored: "StoredCount | None" = None
    step: str | None = None  # a breakdown step (benchmarks/capture_variants.py): stores nothing
    rates: list[float] = field(default_factory=list)  # requests/s
    cpu_ms: list[float] = field(default_factory=list)  # proxy CPU ms per request
    loop_ms: list[float] = field(default_factory=list)  # of which the main (event loop) thread

    @property
    def label(self) -> str:
        if self.step is not None:
            return f"step {self.step}"
        return "plain mitmdump" if self.stored is None else f"capture, {self.name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_plain_mitmdump(confdir: Path, upstream_ca: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    cmd = [sys.executable, "-c", _MITMDUMP, "--listen-host", "127.0.0.1", "--listen-port", str(port),
           "--set", f"confdir={confdir}", "--set", f"ssl_verify_upstream_trusted_ca={upstream_ca}",
           "--set", "termlog_verbosity=warn", "--set", "flow_detail=0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("plain mitmdump exited at start-up")
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("plain mitmdump did not start")


async def _client(proxy: str, cafile: Path, url: str, count: int, large_every: int, offset: int,
                  interval: float = 0.0) -> None:
    ctx = ssl.create_default_context(cafile=str(cafile))
    async with httpx.AsyncClient(proxy=proxy, verify=ctx, timeout=60) as client:
        started = time.perf_counter()
        for i in range(count):
            if interval:  # paced: request i leaves at its slot, not as soon as the last one is back
                await asyncio.sleep(max(0.0, started + i * interval - time.perf_counter()))
            n = offset + i
            body = LARGE if large_every and n % large_every == 0 else f"id={n}&imei=861234567890123".encode()
            response = await client.post(url, content=body)
            if response.status_code != 200 or len(response.content) != len(body):
                raise SystemExit(f"bad response {response.status_code} for request {n}")


async def run_load(proxy: str, cafile: Path, url: str, requests: int, clients: int, large_every: int,
                   rate: float = 0.0) -> float:
    """Send the load through one proxy (``rate`` requests/s in all, 0: as fast as it goes); returns requests/s."""
    per, extra = divmod(requests, clients)
    counts = [per + (1 if i < extra else 0) for i in range(clients)]
    offsets = [sum(counts[:i]) for i in range(clients)]
    interval = clients / rate if rate else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(_client(proxy, cafile, url, c, large_every, o, interval)
                           for c, o in zip(counts, offsets) if c))
    return requests / (time.perf_counter() - started)


class StoredCount:
    """How many flows an addon's session holds (polled until the writer caught up)."""

    def __init__(self, db: str, session: str) -> None:
        self.store = open_store(db)
        self.session_id = self.store.get_session(session).id
        self.expected = 0

    def now(self) -> int:
        return self.store.counts(self.session_id)["flows"]

    def wait_for(self, expected: int, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while (stored := self.now()) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return stored


def quiet_cpu_seconds(pid: int, timeout: float = 30.0) -> float:
    """CPU time once the proxy went idle (closing connections, a last batch write)."""
    deadline = time.monotonic() + timeout
    last = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = tree_cpu_seconds(pid)
        if now - last < 0.005:
            return now
        last = now
    return last


def _load_in_child(proxy: str, cafile: Path, url: str, args: argparse.Namespace, requests: int, rate: float,
                   start, conn) -> None:
    """A client process: wait for the others, send the load through one proxy, report req/s."""
    start.wait()
    try:
        conn.send(asyncio.run(run_load(proxy, cafile, url, requests, args.clients, args.large_every, rate)))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent, in one line
        conn.send(f"{type(exc).__name__}: {exc}")


def run_round(subjects: list[Subject], cafile: Path, url: str, args, requests: int, measure: bool = True) -> None:
    """Every proxy gets the same load at once, each from its own client process; then CPU per request."""
    mp = multiprocessing.get_context("spawn")
    start = mp.Barrier(len(subjects) + 1)
    pipes, children = [], []
    for subject in subjects:
        parent_end, child_end = mp.Pipe(duplex=False)
        child = mp.Process(target=_load_in_child, daemon=True,
                           args=(subject.proxy_url, cafile, url, args, requests, args.rate, start, child_end))
        child.start()
        pipes.append(parent_end)
        children.append(child)
    before = [(quiet_cpu_seconds(s.pid), cpu_seconds(s.pid, s.pid)) for s in subjects]
    start.wait()
    results = [pipe.recv() for pipe in pipes]
    for child in children:
        child.join(30)
    for subject, result in zip(subjects, results):
        if isinstance(result, str):
            raise SystemExit(f"load through {subject.name} failed: {result.splitlines()[0] if result else '?'}")
        if subject.stored is not None:
            subject.stored.expected += requests
            if subject.stored.wait_for(subject.stored.expected) != subject.stored.expected:
                raise SystemExit(f"the addon ({subject.name}) did not store the round's flows in time")
    if not measure:
        return
    for subject, result, (cpu_before, loop_before) in zip(subjects, results, before):
        subject.rates.append(result)
        subject.cpu_ms.append((quiet_cpu_seconds(subject.pid) - cpu_before) * 1000 / requests)
        subject.loop_ms.append((cpu_seconds(subject.pid, subject.pid) - loop_before) * 1000 / requests)


def _spread(values: list[float], fmt: str = ".3f") -> str:
    return f"{statistics.median(values):10{fmt}}{min(values):>10{fmt}}-{max(values):{fmt}}"


def _pairs(values: list[float]) -> str:
    if len(values) < 2:
        return "one round"
    return f"median {statistics.median(values):+.1f}%, {min(values):+.1f}% to {max(values):+.1f}%"


def summarize(plain: Subject, addons: list[Subject], args, steps: list[Subject] = ()) -> bool:
    """Print medians, spreads and costs; True when every store meets the CPU target."""
    print()
    print(f"load: {args.requests} HTTPS requests per round, {args.clients} clients, "
          + (f"100 KB body every {args.large_every} requests" if args.large_every else "small bodies only")
          + (f", paced at {args.rate:g} req/s" if args.rate else ", as fast as the proxy goes")
          + f"; {args.rounds} rounds, " + ", ".join(["plain"] + [a.name for a in addons]) + " at the same time")
    print(f"{'':34}{'median':>10}{'min-max':>16}")
    subjects = [plain, *addons, *steps]
    for subject in subjects:
        print(f"{subject.label + ' req/s':34}{_spread(subject.rates, '.1f')}")
    for subject in subjects:
        print(f"{subject.label + ' CPU ms/req':34}{_spread(subject.cpu_ms)}")
    for subject in subjects:
        print(f"{'  ' + subject.label + ', event loop':34}{_spread(subject.loop_ms)}")
    all_ok = True
    for addon in addons:
        rate_ratio = statistics.median(addon.rates) / statistics.median(plain.rates)
        cpu_ratio = statistics.median(addon.cpu_ms) / statistics.median(plain.cpu_ms)
        paired_rate = [100 * (1 - a / p) for a, p in zip(addon.rates, plain.rates)]
        paired_cpu = [100 * (a / p - 1) for a, p in zip(addon.cpu_ms, plain.cpu_ms)]
        cpu_ok, rate_ok = cpu_ratio <= 1 + TARGET_COST, rate_ratio >= 1 - TARGET_COST
        all_ok = all_ok and cpu_ok
        print(f"{addon.name}: CPU per request cost {100 * (cpu_ratio - 1):+.1f}% (per-round pairs: "
              f"{_pairs(paired_cpu)}); throughput cost {100 * (1 - rate_ratio):+.1f}% "
              f"(pairs: {_pairs(paired_rate)})")
        print(f"{addon.name}: target, addon costs <= {100 * TARGET_COST:.0f}%: CPU per request (figure of record) "
              f"{'MET' if cpu_ok else 'NOT MET'}; throughput {'met' if rate_ok else 'not met'}")
    if steps:
        print_breakdown(plain, steps, addons)
    return all_ok


def _paired_cost(subject: Subject, plain: Subject) -> float:
    """Median over the rounds of the subject's CPU per request against the plain proxy's, in %."""
    return statistics.median(100 * (s / p - 1) for s, p in zip(subject.cpu_ms, plain.cpu_ms))


def print_breakdown(plain: Subject, steps: list[Subject], addons: list[Subject]) -> None:
    """Each step's cost against plain mitmdump, and what it adds to the step before."""
    print("breakdown: CPU per request against plain mitmdump in the same rounds (median of the per-round pairs)")
    print(f"{'':50}{'vs plain':>10}{'step adds':>11}{'us/req':>9}")
    previous_pct, previous_ms = 0.0, statistics.median(plain.cpu_ms)
    titles = dict(STEPS)
    rows = [(titles[s.step], s) for s in steps]
    for title, subject in rows:
        pct, ms = _paired_cost(subject, plain), statistics.median(subject.cpu_ms)
        print(f"{'  ' + title:50}{pct:+9.1f}%{pct - previous_pct:+10.1f}%{1000 * (ms - previous_ms):+9.0f}")
        previous_pct, previous_ms = pct, ms
    for addon in addons:
        pct, ms = _paired_cost(addon, plain), statistics.median(addon.cpu_ms)
        print(f"{'  + store write, ' + addon.name + ' (the full addon)':50}{pct:+9.1f}%{pct - previous_pct:+10.1f}%"
              f"{1000 * (ms - previous_ms):+9.0f}")


def main() -> int:
    try:
        return run()
    except (ProxyError, StoreError, OSError) as exc:
        print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _stores(value: str) -> list[str]:
    names = [s.strip() for s in value.split(",") if s.strip()]
    if not names or any(s not in STORES for s in names):
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(STORES)}, got {value!r}")
    return list(dict.fromkeys(names))


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measured round (default 2000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--large-every", type=int, default=10, help="every Nth request carries 100 KB; 0: never")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds per proxy (default 5)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="pace each proxy's load at this many requests/s (default 0: as fast as it goes)")
    parser.add_argument("--warmup", type=int, default=None, help="requests per proxy before measuring")
    parser.add_argument("--stores", type=_stores, default=list(STORES),
                        help="stores the addon writes to, measured side by side (default sqlite,postgresql)")
    parser.add_argument("--pg", default=DEFAULT_PG,
                        help="PostgreSQL server (URL of any database there); the run makes its own database")
    parser.add_argument("--breakdown", action="store_true",
                        help="also run the addon cut short at each step of its data path, and print each step's cost")
    parser.add_argument("--check", action="store_true", help="exit 1 when the CPU cost exceeds 5%% on a store")
    args = parser.parse_args()
    if args.requests < 1 or args.clients < 1 or args.rounds < 1 or args.large_every < 0 or args.rate < 0:
        parser.error("--requests, --clients and --rounds must be >= 1, --large-every and --rate >= 0")
    warmup = args.warmup if args.warmup is not None else max(50, args.requests // 10)

    work = Path(tempfile.mkdtemp(prefix="consentry-bench-"))
    pg_db = None
    try:
        if "postgresql" in args.stores:
            pg_db = _create_pg_database(args.pg)
        return _benchmark(args, work, warmup, pg_db)
    finally:
        if pg_db is not None:
            _drop_pg_database(args.pg, pg_db[1])
        shutil.rmtree(work, ignore_errors=True)


def _psycopg_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def _create_pg_database(server: str) -> tuple[str, str]:
    """A throw-away database on the server: (its store URL, its name)."""
    import psycopg

    name = f"consentry_bench_capture_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(_psycopg_url(server), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise StoreError(f"PostgreSQL at {server}: {str(exc).strip().splitlines()[0]} "
                         "(--pg URL, or --stores sqlite)") from None
    return "postgresql+psycopg://" + server.split("://", 1)[1].rsplit("/", 1)[0] + f"/{name}", name


def _drop_pg_database(server: str, name: str) -> None:
    import psycopg

    from analyzer.store import api

    for key in [k for k in api._engines if k.endswith(f"/{name}")]:
        api._engines.pop(key).dispose()
    with psycopg.connect(_psycopg_url(server), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _benchmark(args, work: Path, warmup: int, pg_db: tuple[str, str] | None) -> int:
    ca = make_test_ca(work / "upstream-ca")
    urls = {"sqlite": f"sqlite:///{work / 'bench.db'}", "postgresql": pg_db[0] if pg_db else ""}
    session = f"bench-{int(time.time())}-{os.getpid()}"
    handles: list[ProxyHandle] = []
    with Upstream(ca) as upstream:
        url = f"https://localhost:{upstream.https_port}/echo"
        plain_proc, plain_port = start_plain_mitmdump(work / "mitm", ca.ca_cert)
        try:
            addons = []
            for store in args.stores:
                handle = start_proxy(urls[store], session, confdir=work / "mitm",
                                     extra_options={"ssl_verify_upstream_trusted_ca": str(ca.ca_cert),
                                                    "consentry_spool_dir": str(work / f"spool-{store}")})
                handles.append(handle)
                addons.append(Subject(store, handle.process.pid, handle.url, StoredCount(urls[store], session)))
            steps = []
            for step, _title in STEPS if args.breakdown else ():
                handle = start_proxy(f"sqlite:///{work / f'step-{step}.db'}", session, confdir=work / "mitm",
                                     addon=VARIANTS,
                                     extra_options={"ssl_verify_upstream_trusted_ca": str(ca.ca_cert),
                                                    "consentry_spool_dir": str(work / f"spool-{step}"),
                                                    "capture_variant": step})
                handles.append(handle)
                steps.append(Subject(step, handle.process.pid, handle.url, step=step))
            cafile = handles[0].ca_cert_path
            plain = Subject("plain", plain_proc.pid, f"http://127.0.0.1:{plain_port}")
            subjects = [plain, *addons, *steps]
            run_round(subjects, cafile, url, args, warmup, measure=False)
            for round_no in range(1, args.rounds + 1):
                run_round(subjects, cafile, url, args, args.requests)
                print(f"round {round_no}: " + " | ".join(
                    f"{s.name} {s.rates[-1]:6.0f} req/s {s.cpu_ms[-1]:.3f} ms CPU/req" for s in subjects), flush=True)
        finally:
            plain_proc.terminate()
            plain_proc.wait(30)
            for handle in handles:
                handle.stop()
    for addon in addons:
        final = addon.stored.now()
        if final != addon.stored.expected:
            raise SystemExit(f"the addon ({addon.name}) stored {final} flows, expected {addon.stored.expected}")
    ok = summarize(plain, addons, args, steps)
    if args.requests < 500:
        print("note: CPU time is counted in 10 ms ticks; use --requests 1000 or more for a figure to quote")
    for addon in addons:
        print(f"{addon.name}: addon session {session!r}: all {addon.stored.expected} requests stored")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
