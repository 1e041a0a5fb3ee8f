"""A phone's screen at the device boundary: recorded ``uiautomator dump`` screens and the taps
that move between them, on a test clock (no sleeping).

The screens are files in ``fixtures/ui`` in the exact format ``uiautomator dump`` writes
(one line, the dumper's attribute order, ``NAF`` nodes, ``bounds="[x1,y1][x2,y2]"``).
A tap is hit-tested like Android does: the deepest enabled, clickable node under the
finger gets it; what it leads to is the test's transition table.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

from analyzer.runner.uitree import parse_ui_dump

FIXTURES = Path(__file__).parent / "fixtures" / "ui"
DEVICE_EPOCH_MS = 1_780_000_000_000.0


def screen(name: str) -> str:
    return (FIXTURES / f"{name}.xml").read_text(encoding="utf-8")


def png_of(name: str) -> bytes:
    """A real (tiny) PNG whose pixels differ per screen, as screencap's output differs."""
    rgb = hashlib.sha256(name.encode()).digest()[:3]
    raw = b"".join(b"\x00" + rgb * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float, *, wakeable: bool = False) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


class FakePhoneUi:
    """dump_ui / tap / screenshot / device_time of a phone showing recorded screens."""

    def __init__(self, clock: FakeClock, start: str, transitions: dict[tuple[str, str], str] | None = None,
                 *, timed: dict[str, tuple[float, str]] | None = None, dump_errors: int = 0,
                 dump_error: str = "ERROR: could not get idle state.") -> None:
        self.clock = clock
        self.current = start
        self.shown_since = clock.monotonic()
        self.transitions = transitions or {}
        self.timed = timed or {}
        self.dump_errors = dump_errors
        self.dump_error = dump_error
        self.taps: list[tuple[int, int, str | None]] = []  # (x, y, key of the node hit)
        self.history = [start]
        self.dumps = 0

    def _advance(self) -> None:
        while self.current in self.timed:
            after, nxt = self.timed[self.current]
            if self.clock.monotonic() - self.shown_since < after:
                return
            self._go(nxt)

    def _go(self, name: str) -> None:
        self.current = name
        self.shown_since = self.clock.monotonic()
        self.history.append(name)

    def dump_ui(self) -> str:
        self._advance()
        self.dumps += 1
        if self.dump_errors:
            self.dump_errors -= 1
            from analyzer.devices.base import DeviceError

            raise DeviceError(f"uiautomator dump failed: {self.dump_error}")
        return screen(self.current)

    def tap(self, x: int, y: int) -> None:
        self._advance()
        tree = parse_ui_dump(screen(self.current))
        hit = None
        for node in tree.nodes():  # document order: later (deeper / drawn on top) wins
            x1, y1, x2, y2 = node.bounds
            if x1 <= x < x2 and y1 <= y < y2 and node.clickable and node.enabled:
                hit = node
        key = None
        if hit is not None:
            keys = [hit.resource_id, hit.label, *(d.label for d in hit.descendants())]
            key = next((k for k in keys if k and (self.current, k) in self.transitions), keys[0] or hit.label)
            nxt = self.transitions.get((self.current, key))
            if nxt is not None:
                self._go(nxt)
        self.taps.append((x, y, key))

    def screenshot(self) -> bytes:
        self._advance()
        return png_of(self.current)

    def device_time(self) -> float:
        return DEVICE_EPOCH_MS + self.clock.monotonic() * 1000.0


class MemoryEvidence:
    """An evidence sink keeping what the store would keep, content-addressed."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.rows: list[dict] = []

    def __call__(self, step, phase, snap, purpose, node):
        refs = {}
        for kind, data in (("dump", snap.xml.encode() if snap.xml else None), ("screenshot", snap.png)):
            if data is None:
                continue
            sha = hashlib.sha256(data).hexdigest()
            self.blobs[sha] = data
            refs[kind] = sha
            self.rows.append({"step": step, "phase": phase, "kind": kind, "sha": sha, "ts": snap.device_ts_ms,
                              "purpose": purpose, "node": node})
        return refs
