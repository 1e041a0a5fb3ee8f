"""Helpers of the hook tests: compile the mirror program, launch a process at its stdin
start gate and collect its stdout lines."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MIRROR_SRC = Path(__file__).parent / "fixtures" / "mirror"


def compile_mirror(cache_root: Path) -> Path:
    """javac the mirror program into a directory keyed by the sources' hash."""
    sources = sorted(MIRROR_SRC.rglob("*.java"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    out = cache_root / f"mirror-{digest}"
    if not (out / "fixture" / "MirrorApp.class").exists():
        tmp = cache_root / f"mirror-{digest}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["javac", "-encoding", "UTF-8", "-d", str(tmp), *map(str, sources)], check=True, capture_output=True, timeout=120)
        tmp.rename(out)
    return out


@dataclass
class GatedJava:
    """A JVM waiting at the start gate; stdout lines are collected by a reader thread."""

    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, prefix: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no {prefix!r} line; got {self.lines}")

    def go(self) -> None:
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._reader.join(5)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def values(self, tag: str) -> dict[str, str]:
        """`LAB:<tag> key value` lines as a dict."""
        out = {}
        for line in self.lines:
            parts = line.split(" ", 2)
            if parts[0] == f"LAB:{tag}" and len(parts) == 3:
                out[parts[1]] = parts[2]
        return out


def launch_gated(cmd: list[str]) -> GatedJava:
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
    gated = GatedJava(proc)
    gated.wait_line("LAB:WAITING")
    return gated
