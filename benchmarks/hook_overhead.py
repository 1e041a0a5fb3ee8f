"""Overhead of the hooks on a hot method, and the exactness of batched counts.

Runs the mirror program (tests/hooks/fixtures/mirror, compiled here with javac) in its
benchmark mode: LocationManager.getLastKnownLocation called in a tight loop. Three runs:
without hooks; with a bare Frida Java hook that only calls through (the baseline: what any
Java hook costs on this machine, same run); with the consentry agent. Prints the per-call
cost of both hooks and their ratio (target: ours <= 2x bare), and checks that the sum of
the api_call counts equals the number of calls the program made.

    .venv/bin/python benchmarks/hook_overhead.py [--calls 20000] [--plain-calls 2000000] [--categories sensitive]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analyzer.hooks import HookSession  # noqa: E402
from analyzer.models.events import ApiCallEvent  # noqa: E402

MIRROR = REPO / "tests" / "hooks" / "fixtures" / "mirror"
API = "android.location.LocationManager.getLastKnownLocation"


def compile_mirror(out_root: Path) -> Path:
    sources = sorted(MIRROR.rglob("*.java"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    out = out_root / f"mirror-{digest}"
    if not (out / "fixture" / "MirrorApp.class").exists():
        subprocess.run(["javac", "-encoding", "UTF-8", "-d", str(out), *map(str, sources)], check=True, timeout=180)
    return out


BARE_HOOK = """
Java.perform(function () {
  const method = Java.use('android.location.LocationManager').getLastKnownLocation;
  method.overloads.forEach(function (overload) {
    overload.implementation = function () { return overload.apply(this, arguments); };
  });
  send('bare:ready');
});
"""


def run_bare(classes: Path, calls: int) -> dict:
    """The baseline: a Frida Java hook on the same method that only calls through."""
    import threading

    import frida

    from analyzer.hooks.bundle import java_bridge_path

    proc = subprocess.Popen(["java", "-cp", str(classes), "fixture.MirrorApp", "--bench-calls", str(calls)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "LAB:WAITING"
    session = frida.get_local_device().attach(proc.pid)
    ready = threading.Event()
    script = session.create_script(java_bridge_path().read_text(encoding="utf-8") + "\nglobalThis.Java = bridge;\n" + BARE_HOOK)
    script.on("message", lambda message, data: ready.set() if message.get("payload") == "bare:ready" else None)
    script.load()
    assert ready.wait(30), "bare hook not installed"
    proc.stdin.write("go\n")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=600)
    values = dict(line.split(" ", 2)[1:] if line.startswith("LAB:COUNT") else line.split(" ", 1) for line in out.splitlines() if " " in line)
    elapsed_ns = int(values["LAB:BENCH_NS"])
    try:
        session.detach()
    except frida.InvalidOperationError:
        pass
    return {"calls": int(values[API]), "seconds": elapsed_ns / 1e9, "calls_per_s": calls / (elapsed_ns / 1e9),
            "cpu_seconds": int(values["LAB:BENCH_CPU_NS"]) / 1e9}


def run_once(classes: Path, calls: int, categories: list[str] | None, hooked: bool, batch_ms: int) -> dict:
    proc = subprocess.Popen(["java", "-cp", str(classes), "fixture.MirrorApp", "--bench-calls", str(calls)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "LAB:WAITING"
    session = None
    if hooked:
        session = HookSession(proc.pid, categories=categories, config={"batch_ms": batch_ms})
        session.load()
        session.wait_ready(30)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    out, _ = proc.communicate(timeout=600)
    values = dict(line.split(" ", 2)[1:] if line.startswith("LAB:COUNT") else line.split(" ", 1) for line in out.splitlines() if " " in line)
    elapsed_ns = int(values["LAB:BENCH_NS"])
    result = {"calls": int(values[API]), "seconds": elapsed_ns / 1e9, "calls_per_s": calls / (elapsed_ns / 1e9),
              "cpu_seconds": int(values["LAB:BENCH_CPU_NS"]) / 1e9}
    if session is not None:
        session.wait_detached(10)
        events = [e for e in session.events if isinstance(e, ApiCallEvent) and e.api == API]
        result["recorded"] = sum(e.count for e in events)
        result["events"] = len(events)
        session.unload()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000, help="calls of the hooked run")
    parser.add_argument("--plain-calls", type=int, default=2_000_000, help="calls of the run without hooks")
    parser.add_argument("--categories", default="sensitive", help="comma-separated hook categories ('all' for every one)")
    parser.add_argument("--batch-ms", type=int, default=250)
    args = parser.parse_args()
    categories = None if args.categories == "all" else args.categories.split(",")

    with tempfile.TemporaryDirectory() as tmp:
        classes = compile_mirror(Path(tmp))
        plain = run_once(classes, args.plain_calls, categories, hooked=False, batch_ms=args.batch_ms)
        bare = run_bare(classes, args.calls)
        start = time.monotonic()
        hooked = run_once(classes, args.calls, categories, hooked=True, batch_ms=args.batch_ms)
        wall = time.monotonic() - start

    exact = hooked["recorded"] == hooked["calls"] == args.calls
    print(f"hot method: {API}")
    print(f"without hooks: {plain['calls_per_s']:>14,.0f} calls/s  ({plain['calls']:,} calls in {plain['seconds']:.3f} s)")
    print(f"with hooks:    {hooked['calls_per_s']:>14,.0f} calls/s  ({hooked['calls']:,} calls in {hooked['seconds']:.3f} s; categories: {args.categories})")
    print(f"slowdown:      {plain['calls_per_s'] / hooked['calls_per_s']:>14,.0f}x  (per hooked call: {1e6 * hooked['seconds'] / hooked['calls']:.1f} µs)")
    # CPU time of the calling thread (the hooks run on it): a busy machine's waits left out.
    bare_us, ours_us = 1e6 * bare["cpu_seconds"] / bare["calls"], 1e6 * hooked["cpu_seconds"] / hooked["calls"]
    print(f"bare Frida hook (calls through only): {bare_us:.1f} µs CPU/call ({bare['calls']:,} calls, {bare['seconds']:.3f} s wall)")
    print(f"consentry hook:                       {ours_us:.1f} µs CPU/call -> {ours_us / bare_us:.2f}x bare (target <= 2x)")
    print(f"counts:        {hooked['recorded']:,} recorded in {hooked['events']} api_call events for {hooked['calls']:,} calls -> {'exact' if exact else 'MISMATCH'}")
    print(f"hooked run wall time incl. attach: {wall:.1f} s")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
