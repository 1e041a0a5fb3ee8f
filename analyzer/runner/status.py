"""How a device session ended, as one status and one line of detail.

Statuses (the store's vocabulary): finished, app_crashed, detached, proxy_error,
interrupted. Everything recorded before the end is kept whatever the status.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

# Frida detach reasons that mean "the process went away", not "we lost the process".
PROCESS_GONE = frozenset({"process-terminated", "process-replaced"})


@dataclass
class EndSignals:
    interrupted: str | None = None  # "SIGINT" / "SIGTERM" when the user stopped the run
    proxy_failed: str | None = None
    detach_reason: str | None = None  # a detach we did not ask for
    exit_code: int | None = None
    finished_normally: bool = False  # the app said it was done (lab: LAB:DONE)
    duration_elapsed: bool = False
    quiet: bool = False  # the app was quiet and the plan done, and the device could not end the app itself
    app_alive: bool = False


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name} (exit code {code})"
        except ValueError:
            return f"killed by signal {-code} (exit code {code})"
    if code > 128:
        try:
            return f"exit code {code} ({signal.Signals(code - 128).name})"
        except ValueError:
            pass
    return f"exit code {code}"


def decide_status(s: EndSignals) -> tuple[str, str]:
    if s.interrupted:
        return "interrupted", f"stopped by {s.interrupted}; everything up to then is recorded"
    if s.proxy_failed:
        return "proxy_error", f"the proxy stopped: {s.proxy_failed}"
    if s.detach_reason and s.detach_reason not in PROCESS_GONE:
        return "detached", f"Frida detached from the app ({s.detach_reason}); recording stopped"
    if s.finished_normally:
        return "finished", "the app finished"
    if s.exit_code is not None and not s.app_alive:
        if s.exit_code == 0:
            return "finished", "the app exited (exit code 0)"
        return "app_crashed", f"the app died: {describe_exit(s.exit_code)}"
    if s.detach_reason in PROCESS_GONE:
        return "app_crashed", f"the app process ended unexpectedly ({s.detach_reason})"
    if s.duration_elapsed:
        return "finished", "stopped after --duration"
    if s.quiet:
        return "finished", "stopped once the app was quiet"
    return "finished", "stopped"
