"""Analysis of a synthetic session, next to a literal multi-pattern search of the same bytes.

    .venv/bin/python benchmarks/analyze_throughput.py            # 100,000 flows
    .venv/bin/python benchmarks/analyze_throughput.py --flows 5000
    .venv/bin/python benchmarks/analyze_throughput.py --flows 5000 20000   # both, and the time per flow of each

The session mixes ordinary app traffic (JSON catalogues, HTML, images, gzip'd API
answers) with tracker requests carrying ~200 identifier values in the encodings
SDKs use (plain, md5/sha256 hex, base64, gzip/br/zstd bodies, forms with base64-gzip
JSON, query strings, JWT headers, protobuf, msgpack). Flows are generated one at a
time from a pool of pre-encoded bodies and never held together in memory.

What is compared, on the same bytes:

- **analysis**: what ``consentry analyze`` does per flow (scan, dedupe, place on the
  consent timeline, attribute, judge; ``pipeline._flow_pass``), in-process, CPU time
  (``time.process_time``). Not counted: interpreter start, building the identifier
  set (printed apart), generating the flows, and the store (flows come from memory,
  findings are not written).
- **literal**: ``rg -F -f variants.txt`` (``grep -F`` without ripgrep) over a file
  holding, per flow, the URL, the headers and the content-decoded body: the bytes the
  analysis reads once encodings are undone. ``variants.txt`` is every string the
  analysis searches for (each identifier in each form: case, separators, hex,
  base64, URL-encoding, md5/sha1/sha2 digests ...). CPU time of the child process, the
  fastest of ``--literal-runs`` runs.

The ratio analysis/literal is the figure to watch (target: within 3x CPU).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import brotli
import msgpack
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzer.analysis.findings import finding_json, finding_rules  # noqa: E402
from analyzer.analysis.pipeline import _flow_pass, load_context  # noqa: E402
from analyzer.decode import Budget, DecodeLimits, decode_content  # noqa: E402
from analyzer.match import CryptoIndex, IdentifierSet  # noqa: E402
from analyzer.models.events import parse_event  # noqa: E402
from analyzer.models.flow import FlowRecord  # noqa: E402
from analyzer.rules import load_ruleset  # noqa: E402
from analyzer.store import open_store  # noqa: E402

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
POOL_SIZE = 3000
TRACKER_SHARE = 0.35


def _luhn(body14: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body14)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body14 + str((10 - total % 10) % 10)


def make_identifiers(rng: random.Random, n: int = 200) -> list[tuple[str, str, str]]:
    makers = {
        "imei": lambda: _luhn("35" + "".join(rng.choice("0123456789") for _ in range(12))),
        "android_id": lambda: "%016x" % rng.getrandbits(64),
        "oaid": lambda: str(uuid.UUID(int=rng.getrandbits(128))),
        "aaid": lambda: str(uuid.UUID(int=rng.getrandbits(128))),
        "mac": lambda: ":".join("%02x" % rng.getrandbits(8) for _ in range(6)),
        "imsi": lambda: "46000" + "".join(rng.choice("0123456789") for _ in range(10)),
        "phone_number": lambda: "+861" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9)),
        "email": lambda: f"user{rng.randrange(10**6)}@mail{rng.randrange(100)}.example",
        "location": lambda: f"{rng.uniform(20, 45):.7f},{rng.uniform(100, 125):.7f}",
        "ssid": lambda: f"Office-{rng.randrange(10**5)}-5G",
    }
    kinds = list(makers)
    return [(kinds[i % len(kinds)], makers[kinds[i % len(kinds)]](), "hook") for i in range(n)]


def _padding_events(rng: random.Random, count: int) -> list[dict]:
    return [{"ev": rng.choice(["page_view", "click", "impression", "app_start"]), "ts": 1767225600000 + rng.randrange(10**7),
             "seq": rng.randrange(10**6), "dur": round(rng.random() * 30, 3), "page": f"/p/{rng.randrange(500)}",
             "props": {"ab": rng.choice("ABCD"), "net": rng.choice(["wifi", "4g", "5g"]), "v": "3.2.1"}} for _ in range(count)]


def _catalogue(rng: random.Random, items: int) -> bytes:
    return json.dumps({"request_id": str(uuid.UUID(int=rng.getrandbits(128))), "server_time": 1767225600 + rng.randrange(10**6), "items": [
        {"sku": "%016x" % rng.getrandbits(64), "name": f"Item {rng.randrange(10**4)}", "price": f"{rng.uniform(1, 500):.2f}",
         "stock": rng.randrange(100), "rating": round(rng.uniform(1, 5), 1), "img": f"https://cdn.shop.example/{rng.randrange(10**6)}.jpg"}
        for _ in range(items)]}).encode()


def _tracker(rng: random.Random, ids: list[tuple[str, str, str]]) -> tuple[str, list[tuple[str, str]], bytes]:
    picks = {k: v for k, v, _ in rng.sample(ids, 6)}
    fields: dict[str, str] = {}
    for kind, value in picks.items():
        how = rng.choice(["plain", "md5", "sha256u", "b64"])
        fields[kind] = {"plain": value, "md5": hashlib.md5(value.encode()).hexdigest(),
                        "sha256u": hashlib.sha256(value.encode()).hexdigest().upper(),
                        "b64": base64.b64encode(value.encode()).decode()}[how]
    doc = {"header": {"appkey": "5f1a2b3c", "sdk": "6.4.1", **fields}, "events": _padding_events(rng, rng.randrange(10, 40))}
    raw = json.dumps(doc).encode()
    style = rng.choice(["json", "gzip", "br", "zstd", "form", "query", "jwt", "protobuf", "msgpack"])
    url = f"https://t{rng.randrange(20)}.tracker.example/collect"
    if style == "json":
        return url, [("Content-Type", "application/json")], raw
    if style == "gzip":
        return url, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], gzip.compress(raw, 6)
    if style == "br":
        return url, [("Content-Type", "application/json"), ("Content-Encoding", "br")], brotli.compress(raw, quality=5)
    if style == "zstd":
        return url, [("Content-Type", "application/json"), ("Content-Encoding", "zstd")], zstandard.ZstdCompressor().compress(raw)
    if style == "form":
        packed = base64.b64encode(gzip.compress(raw)).decode()
        return url, [("Content-Type", "application/x-www-form-urlencoded")], f"v=2&data={packed.replace('+', '%2B')}".encode()
    if style == "query":
        q = "&".join(f"{k}={v}" for k, v in fields.items())
        return f"{url}?{q}", [("Content-Type", "application/json")], json.dumps({"events": doc["events"]}).encode()
    if style == "jwt":
        payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
        return url, [("Authorization", f"Bearer eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln"), ("Content-Type", "application/json")], \
            json.dumps({"events": doc["events"]}).encode()
    if style == "protobuf":
        out = bytearray()
        for i, v in enumerate(fields.values(), 1):
            b = v.encode()
            out += bytes([i << 3 | 2, len(b)]) + b
        pad = json.dumps(doc["events"]).encode()
        out += bytes([0x7A]) + _varint(len(pad)) + pad
        return url, [("Content-Type", "application/x-protobuf")], bytes(out)
    return url, [("Content-Type", "application/msgpack")], msgpack.packb(doc)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _ordinary(rng: random.Random) -> tuple[str, list[tuple[str, str]], bytes, list[tuple[str, str]], bytes]:
    """(url, request headers, request body, response headers, response body): app traffic without trackers."""
    kind = rng.choice(["catalogue", "catalogue_gz", "html", "image", "post"])
    host = f"https://api.shop.example/v1/{rng.choice(['list', 'item', 'cart', 'feed'])}/{rng.randrange(10**6)}"
    if kind == "catalogue":
        return host, [("Content-Type", "application/json")], _catalogue(rng, rng.randrange(20, 60)), [], b""
    if kind == "catalogue_gz":
        return host, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], \
            gzip.compress(_catalogue(rng, rng.randrange(40, 120)), 6), [], b""
    if kind == "html":
        html = "<html><body>" + "".join(f"<p class='c{i}'>Lorem ipsum {rng.random():.4f} dolor {i}</p>" for i in range(200)) + "</body></html>"
        return host, [("Content-Type", "text/html")], html.encode(), [], b""
    if kind == "image":
        return host, [("Content-Type", "image/jpeg")], b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randrange(6000, 16000)), [], b""
    body = json.dumps({"cart": [{"sku": rng.randrange(10**8), "qty": rng.randrange(1, 5)} for _ in range(rng.randrange(50, 200))],
                       "coupon": None, "ts": 1767225600123}).encode()
    return host, [("Content-Type", "application/json")], body, [], b""


def build_pool(rng: random.Random, ids: list[tuple[str, str, str]],
               size: int = POOL_SIZE) -> list[tuple[str, list[tuple[str, str]], bytes]]:
    pool = []
    for _ in range(size):
        if rng.random() < TRACKER_SHARE:
            pool.append(_tracker(rng, ids))
        else:
            url, headers, body, _, _ = _ordinary(rng)
            pool.append((url, headers, body))
    return pool


def flows(n: int, pool: list, rng: random.Random) -> Iterator[FlowRecord]:
    for i in range(n):
        url, headers, body = pool[rng.randrange(len(pool))]
        yield FlowRecord("POST", url, NOW, id=str(i), request_headers=headers, request_body=body)


def decoded_message(url: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """URL, headers and content-decoded body: what the literal search is given for one flow."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), None)
    plain, _ = decode_content(body, encoding, Budget(DecodeLimits()))
    return "\n".join([url] + [f"{k}: {v}" for k, v in headers]).encode() + b"\n" + plain + b"\n"


class FlowSource:
    """Stands in for the store's flow stream: generates the flows, writes their decoded bytes
    to the literal search's file, and keeps the CPU time it spends doing so apart."""

    def __init__(self, n: int, pool: list, rng: random.Random, out, checkpoint: int) -> None:
        self.n, self.pool, self.rng, self.out, self.checkpoint = n, pool, rng, out, checkpoint
        self.decoded = [decoded_message(*entry) for entry in pool]
        self.cpu = self.wall = 0.0
        self.bytes = 0
        self.rss_at_checkpoint = 0

    def iter_flows(self, session_id, **_) -> Iterator[FlowRecord]:
        for i in range(self.n):
            c0, t0 = time.process_time(), time.perf_counter()
            k = self.rng.randrange(len(self.pool))
            url, headers, body = self.pool[k]
            self.out.write(self.decoded[k])
            self.bytes += len(self.decoded[k])
            if i == self.checkpoint:
                self.rss_at_checkpoint = rss_now_kb()
            flow = FlowRecord("POST", url, NOW, id=str(i), request_headers=headers, request_body=body)
            self.cpu += time.process_time() - c0
            self.wall += time.perf_counter() - t0
            yield flow


class MemorySink:
    """What ``FindingSink`` does with each finding short of the store: its stored form,
    the rule counts and the (ts, id) sort key; the rows themselves are dropped."""

    def __init__(self) -> None:
        self.count = 0
        self.rule_counts: dict[str, int] = {}
        self.keys: list[str] = []

    def add(self, findings) -> None:
        for finding in findings:
            f = finding_json(finding)
            for rule in finding_rules(f):
                self.rule_counts[rule] = self.rule_counts.get(rule, 0) + 1
            self.keys.append(f"{f['ts']}\0{f['id']}")
            self.count += 1


def session_context(db_url: str):
    """A stored session whose consent comes a minute after every flow: all findings are pre-consent."""
    store = open_store(db_url)
    store.create_session("bench", app=("com.shop.example", "1.0"), first_party_domains=["api.shop.example"],
                         status="finished")
    session = store.get_session("bench")
    consent_ms = NOW.timestamp() * 1000 + 60_000
    store.add_events(session.id, [parse_event({"type": "consent", "ts": consent_ms - 1, "action": "shown", "source": "ui"}),
                                  parse_event({"type": "consent", "ts": consent_ms, "action": "granted", "source": "ui"})])
    ruleset = load_ruleset(None)
    ctx = load_context(store, store.get_session("bench"), ruleset, ruleset.config(None))
    store.dispose()
    return ctx


def rss_now_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def literal_scan(variants: Path, data: Path) -> tuple[str, float, float, int]:
    """Time a literal multi-pattern search over the same bytes (rg if installed, else grep -F)."""
    rg = shutil.which("rg")
    cmd = [rg, "-F", "-c", "-a", "-f", str(variants), str(data)] if rg else ["grep", "-F", "-c", "-a", "-f", str(variants), str(data)]
    env = dict(os.environ, LC_ALL="C")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    hits = int(proc.stdout.strip() or 0) if proc.returncode in (0, 1) else -1
    return Path(cmd[0]).name, elapsed, cpu, hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, nargs="+", default=[100_000],
                        help="flows in the synthetic session; several counts run one after another (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--literal-runs", type=int, default=3, help="runs of the literal search; the fastest counts")
    args = parser.parse_args(argv)
    if min(args.flows) <= 0 or args.literal_runs <= 0:
        parser.error("--flows and --literal-runs must be positive")
    per_flow = []
    for i, n in enumerate(args.flows):
        if i:
            print()
        per_flow.append((n, *run(n, args)))
    if len(per_flow) > 1:  # what grows with the session: the analysis per flow, or the literal search's start-up
        for n, cpu, lit_cpu in per_flow:
            print(f"per flow at {n:,}: analysis {cpu / n * 1000:.3f} ms, literal {lit_cpu / n * 1000:.3f} ms CPU")
    return 0


def run(flows: int, args) -> tuple[float, float]:
    """One session of ``flows`` flows: prints its figures; returns (analysis CPU, literal CPU)."""
    rng = random.Random(args.seed)
    identifiers = make_identifiers(rng)
    pool = build_pool(rng, identifiers)
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        ctx = session_context(f"sqlite:///{tmp}/bench.db")
        c0 = time.process_time()
        idset = IdentifierSet.build(identifiers)
        crypto = CryptoIndex.build(ctx.crypto_events)
        _ = idset.automaton  # built once per session, before the first flow
        setup_cpu = time.process_time() - c0
        variants_path, raw_path = Path(tmp) / "variants.txt", Path(tmp) / "decoded.bin"
        n_variants = idset.variants_file(variants_path)

        with open(raw_path, "wb") as raw_out:
            source = FlowSource(flows, pool, rng, raw_out, max(1, flows // 10))
            c0, t0 = time.process_time(), time.perf_counter()
            sink = MemorySink()
            stats = _flow_pass(source, ctx, idset, crypto, None, flows, None, sink)
            cpu = time.process_time() - c0 - source.cpu
            wall = time.perf_counter() - t0 - source.wall
        rss_end = rss_now_kb()
        # the fastest of a few runs: on a shared machine one run of a short child process is noisy,
        # and the least disturbed run is the fairest ceiling (the ratio errs against the analysis)
        runs = [literal_scan(variants_path, raw_path) for _ in range(args.literal_runs)]
        tool, lit_lines = runs[0][0], runs[0][3]
        lit_wall, lit_cpu = min(r[1] for r in runs), min(r[2] for r in runs)

    mb = source.bytes / 1e6
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"flows:                {flows:,} ({stats['flows_with_pii']:,} with personal data, "
          f"{stats['matches']:,} matches, {sink.count:,} findings, {len(stats['scan_notes']):,} notes)")
    print(f"identifiers/variants: {len(idset.identifiers)} values, {n_variants:,} distinct variant strings "
          f"(identifier set + automaton: {setup_cpu:.2f} s CPU, once per session)")
    print(f"decoded bytes:        {mb:,.1f} MB (URL + headers + content-decoded body, per flow)")
    print(f"analysis:             {wall:,.2f} s wall, {cpu:,.2f} s CPU  ->  "
          f"{flows / cpu:,.0f} flows/s, {mb / cpu:,.1f} MB/s CPU")
    print(f"{tool} -F -f variants:  {lit_wall:,.2f} s wall, {lit_cpu:,.2f} s CPU  ->  {mb / max(lit_cpu, 1e-9):,.1f} MB/s CPU "
          f"({lit_lines:,} matching lines; fastest of {args.literal_runs} runs)")
    print(f"ratio analysis/{tool}:  {cpu / max(lit_cpu, 1e-9):,.1f}x CPU ({wall / max(lit_wall, 1e-9):,.1f}x wall)")
    print(f"memory (RSS):         after {source.checkpoint:,} flows {source.rss_at_checkpoint / 1024:,.1f} MiB, "
          f"at end {rss_end / 1024:,.1f} MiB, peak {peak_kb / 1024:,.1f} MiB")
    return cpu, lit_cpu


if __name__ == "__main__":
    sys.exit(main())
