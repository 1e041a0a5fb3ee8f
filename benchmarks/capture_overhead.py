"""What the capture addon costs: the same HTTPS load through plain mitmdump and with the addon.

    python benchmarks/capture_overhead.py --requests 2000 --clients 8

A local HTTPS upstream (its own CA, verified by the proxy) serves the requests; several
concurrent clients send small POSTs and, every ``--large-every`` requests, a 100 KB body.
Rounds alternate plain/addon so machine noise hits both; the best round of each counts.
The addon run also checks that every request was stored.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from analyzer.capture.proxy import start_proxy  # noqa: E402
from analyzer.capture.upstream import Upstream, make_test_ca  # noqa: E402
from analyzer.store import open_store  # noqa: E402

LARGE = b"L" * (100 * 1024)


def cpu_seconds(pid: int) -> float | None:
    """User+system CPU time of a process (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pid: int, proxy: str, cafile: Path, url: str, args) -> tuple[float, float | None]:
    """(requests/s, proxy CPU ms per request) of one measured run."""
    before = cpu_seconds(pid)
    rate = asyncio.run(run_load(proxy, cafile, url, args.requests, args.clients, args.large_every))
    after = cpu_seconds(pid)
    cpu = (after - before) * 1000 / args.requests if before is not None and after is not None else None
    return rate, cpu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_plain_mitmdump(confdir: Path, upstream_ca: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    cmd = [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()", "--listen-host", "127.0.0.1",
           "--listen-port", str(port), "--set", f"confdir={confdir}", "--set", f"ssl_verify_upstream_trusted_ca={upstream_ca}",
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
    raise SystemExit("plain mitmdump did not start")


async def _client(proxy: str, cafile: Path, url: str, count: int, large_every: int, offset: int) -> None:
    ctx = ssl.create_default_context(cafile=str(cafile))
    async with httpx.AsyncClient(proxy=proxy, verify=ctx, timeout=60) as client:
        for i in range(count):
            n = offset + i
            body = LARGE if large_every and n % large_every == 0 else f"id={n}&imei=861234567890123".encode()
            response = await client.post(url, content=body)
            if response.status_code != 200 or len(response.content) != len(body):
                raise SystemExit(f"bad response {response.status_code} for request {n}")


async def run_load(proxy: str, cafile: Path, url: str, requests: int, clients: int, large_every: int) -> float:
    per, extra = divmod(requests, clients)
    counts = [per + (1 if i < extra else 0) for i in range(clients)]
    offsets = [sum(counts[:i]) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(_client(proxy, cafile, url, c, large_every, o) for c, o in zip(counts, offsets)))
    return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measured run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--large-every", type=int, default=10, help="every Nth request carries 100 KB (0: never)")
    parser.add_argument("--rounds", type=int, default=2, help="plain/addon round pairs")
    parser.add_argument("--db", default=None, help="store URL for the addon run (default: a temp SQLite file)")
    args = parser.parse_args()
    if args.requests < 1 or args.clients < 1 or args.rounds < 1:
        parser.error("--requests, --clients and --rounds must be >= 1")

    work = Path(tempfile.mkdtemp(prefix="consentry-bench-"))
    ca = make_test_ca(work / "upstream-ca")
    db = args.db or f"sqlite:///{work / 'bench.db'}"
    results: dict[str, list[float]] = {"plain": [], "addon": []}
    cpu: dict[str, list[float]] = {"plain": [], "addon": []}
    with Upstream(ca) as upstream:
        url = f"https://localhost:{upstream.https_port}/echo"
        warmup = max(20, args.requests // 20)
        for round_no in range(args.rounds):
            proc, port = start_plain_mitmdump(work / "mitm", ca.ca_cert)
            try:
                cafile = work / "mitm" / "mitmproxy-ca-cert.pem"
                asyncio.run(run_load(f"http://127.0.0.1:{port}", cafile, url, warmup, args.clients, args.large_every))
                rate, ms = measure(proc.pid, f"http://127.0.0.1:{port}", cafile, url, args)
                results["plain"].append(rate)
                cpu["plain"] += [ms] if ms is not None else []
            finally:
                proc.terminate()
                proc.wait(30)
            session = f"bench-{round_no}-{int(time.time())}"
            proxy = start_proxy(db, session, confdir=work / "mitm",
                                extra_options={"ssl_verify_upstream_trusted_ca": str(ca.ca_cert)})
            try:
                asyncio.run(run_load(proxy.url, proxy.ca_cert_path, url, warmup, args.clients, args.large_every))
                rate, ms = measure(proxy.process.pid, proxy.url, proxy.ca_cert_path, url, args)
                results["addon"].append(rate)
                cpu["addon"] += [ms] if ms is not None else []
            finally:
                proxy.stop()
            store = open_store(db)
            stored = store.counts(store.get_session(session).id)["flows"]
            if stored != args.requests + warmup:
                raise SystemExit(f"addon stored {stored} flows, expected {args.requests + warmup}")
            print(f"round {round_no + 1}: plain {results['plain'][-1]:.0f} req/s, addon {results['addon'][-1]:.0f} req/s "
                  f"({stored} flows stored)", flush=True)
    plain, addon = max(results["plain"]), max(results["addon"])
    print(f"requests: {args.requests} x {args.rounds} rounds, clients: {args.clients}, "
          f"100 KB body every {args.large_every} requests")
    print(f"plain mitmdump:        {plain:8.1f} req/s")
    print(f"mitmdump + capture:    {addon:8.1f} req/s")
    print(f"ratio (addon / plain): {addon / plain:8.3f}  (throughput cost {100 * (1 - addon / plain):.1f}%)")
    if cpu["plain"] and cpu["addon"]:
        # CPU per request is steadier than req/s on a shared machine: it does not count waiting.
        plain_cpu, addon_cpu = min(cpu["plain"]), min(cpu["addon"])
        print(f"proxy CPU per request: plain {plain_cpu:.2f} ms, with capture {addon_cpu:.2f} ms "
              f"(+{100 * (addon_cpu / plain_cpu - 1):.1f}%, includes the store writes)")


if __name__ == "__main__":
    main()
