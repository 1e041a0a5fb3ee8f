"""Latency of the lab device's UI channel (dump / screenshot over the control port), next to
a same-run baseline (PING, the channel's own round trip), plus start-up to the gate and to the
first dialog, and the cost of a cached app build.

    .venv/bin/python benchmarks/lab_ui.py            # 200 rounds of each command
    .venv/bin/python benchmarks/lab_ui.py --rounds 20
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.devices.base import LaunchOptions  # noqa: E402
from analyzer.devices.lab import LabBackend  # noqa: E402
from analyzer.lab.apps import build_builtin  # noqa: E402
from analyzer.lab.control import ControlClient  # noqa: E402
from analyzer.lab.device import LabDeviceStorage  # noqa: E402


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(name: str, samples: list[float]) -> str:
    p95 = sorted(samples)[min(len(samples) - 1, math.ceil(len(samples) * 0.95) - 1)]
    return f"{name:<22} median {statistics.median(samples):8.2f} ms   p95 {p95:8.2f} ms   n={len(samples)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    build_builtin("compliant")
    cached = timed(lambda: build_builtin("compliant"), 5)
    with tempfile.TemporaryDirectory() as tmp, LabBackend(storage=LabDeviceStorage(Path(tmp))) as device:
        target = device.resolve_app("compliant")
        started = time.perf_counter()
        app = device.spawn(target, LaunchOptions(dialog_timeout_ms=600_000))
        to_gate = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        app.release()
        while "同意" not in device.dump_ui():
            time.sleep(0.01)
        to_dialog = (time.perf_counter() - started) * 1000
        control = ControlClient(app.process.control_port())
        print(f"start-up to the gate   {to_gate:8.0f} ms (JVM, preload, control port)")
        print(f"gate to first dialog   {to_dialog:8.0f} ms (bind app, Application.onCreate, activity, dialog)")
        print(line("cached app build", cached))
        print(line("PING (baseline)", timed(lambda: control.command("PING"), args.rounds)))
        print(line("DUMP", timed(lambda: control.command("DUMP"), args.rounds)))
        print(line("SCREENSHOT", timed(lambda: control.command("SCREENSHOT"), max(1, args.rounds // 10))))


if __name__ == "__main__":
    main()
