"""Peak resident set of one command, measured as the child of a fresh launcher process.

A child forked from a process that has grown (a test that built a large session, a
benchmark's builder) starts with that process's peak RSS, and Linux keeps it across
exec; so the command is started by a tiny launcher and its own peak is read from the
kernel's rusage of it (``os.wait4``). Used by tests/report, tests/robust and benchmarks/report_memory.py.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_pid, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err[-2000:])
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, flush=True)
"""


@dataclass
class Peak:
    exit_code: int
    rss_mb: float
    stderr: str  # the command's last 2,000 bytes of stderr


def peak_rss(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 600) -> Peak:
    """Run COMMAND (stdout discarded) and return its exit code, peak RSS and stderr tail."""
    done = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)
    code, maxrss_kb = (int(x) for x in done.stdout.split())
    return Peak(code, maxrss_kb / 1024, done.stderr.strip())
