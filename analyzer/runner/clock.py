"""Device clock offset from RPC round-trips (Cristian's algorithm).

Each probe asks the agent for ``Date.now()``; the device read it somewhere between our
send and receive, so ``offset = device_ts - midpoint`` is off by at most half the
round-trip. The sample with the smallest round-trip bounds the error best; the
uncertainty adds the resolution of both clocks (``Date.now()`` truncates to 1 ms).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

DEVICE_RESOLUTION_MS = 1.0
CLOCK_PROBE_SOURCE = "rpc.exports = { consentryNow() { return Date.now(); } };"


@dataclass(frozen=True)
class ClockEstimate:
    offset_ms: float  # device minus workstation
    uncertainty_ms: float
    best_rtt_ms: float
    samples: int
    rtts_ms: tuple[float, ...] = field(default=())

    def as_meta(self) -> dict[str, float | int]:
        return {
            "offset_ms": round(self.offset_ms, 3),
            "uncertainty_ms": round(self.uncertainty_ms, 3),
            "best_rtt_ms": round(self.best_rtt_ms, 3),
            "samples": self.samples,
        }


def estimate_offset(
    probe: Callable[[], float],
    *,
    rounds: int = 8,
    now_ms: Callable[[], float] = lambda: time.time() * 1000.0,
    resolution_ms: float = DEVICE_RESOLUTION_MS,
) -> ClockEstimate:
    """Run ``rounds`` probes and keep the tightest one."""
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    best: tuple[float, float] | None = None
    rtts = []
    for _ in range(rounds):
        sent = now_ms()
        device = float(probe())
        received = now_ms()
        rtt = max(received - sent, 0.0)
        rtts.append(rtt)
        # Date.now() truncates: the device instant lies in [device, device + resolution).
        offset = device + resolution_ms / 2 - (sent + received) / 2
        if best is None or rtt < best[0]:
            best = (rtt, offset)
    assert best is not None
    rtt, offset = best
    return ClockEstimate(
        offset_ms=offset,
        uncertainty_ms=rtt / 2 + resolution_ms,
        best_rtt_ms=rtt,
        samples=rounds,
        rtts_ms=tuple(rtts),
    )


def frida_clock_probe(frida_session) -> tuple[Callable[[], float], Callable[[], None]]:
    """A probe backed by a tiny script of our own in the app; returns (probe, unload)."""
    script = frida_session.create_script(CLOCK_PROBE_SOURCE, name="consentry-clock")
    script.load()

    def unload() -> None:
        try:
            script.unload()
        except Exception:  # noqa: BLE001 - the process may be gone already
            pass

    return (lambda: float(script.exports_sync.consentry_now())), unload
