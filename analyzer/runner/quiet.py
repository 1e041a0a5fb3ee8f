"""When a session ends: as soon as the app is quiet and the consent plan is done.

A tester leaves an app once nothing happens any more; waiting longer records nothing new.
"Quiet" is decided from what any device can observe (docs/runner.md, "When a run ends"):

- the device says how long the app has been quiet (``RunningApp.quiet_ms``; the lab: its
  main looper holds no work of the app's, not even a delayed message, and no app worker
  thread is alive). A device that cannot tell (None) never ends a run this way;
- no flow is in flight through the proxy and none started or finished lately
  (addons/flow_activity.py);
- no hook event arrived lately, and asking the hooks to flush what they batch brings none;
- the consent driver has nothing planned and has looked at the screen since the quiet began.

All of it must hold for ``QUIET_S``. Then the simulated user leaves (Home: the app's
background work runs), and once the app is quiet again it is ended, as the system ends an
app the user left. Time comes from an injected clock, so tests decide it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

QUIET_S = 0.3  # every sign of activity must have been absent this long
RECORD_BYTES = 96


@dataclass(frozen=True)
class Activity:
    """One look at the app's activity, in the runner's monotonic seconds."""

    device_quiet_s: float | None  # how long the device says the app has been quiet; None: it cannot tell
    flows_in_flight: int | None  # None: unknown (the record was unreadable): counts as busy
    last_flow_change: float | None  # when a flow last started or finished; None: never
    last_event: float  # when the last hook event was received (the release, before any)


def quiet_since(activity: Activity, now: float) -> float | None:
    """When the current quiet stretch began, or None while the app is busy or the device cannot tell."""
    if activity.device_quiet_s is None or activity.flows_in_flight != 0:
        return None
    since = now - activity.device_quiet_s
    if activity.last_flow_change is not None:
        since = max(since, activity.last_flow_change)
    return max(since, activity.last_event)


class QuietEnd:
    """The user's departure, in two steps: quiet in the foreground → Home; quiet again → end the app.

    ``step()`` is called whenever something may have changed (and on the runner's poll); it
    returns True once the app was told to end.
    """

    def __init__(
        self,
        *,
        observe: Callable[[], Activity],
        driver_settled: Callable[[float], bool],
        look_now: Callable[[], None],
        flush_hooks: Callable[[], int],
        leave: Callable[[], bool],
        finish: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        quiet_s: float = QUIET_S,
    ) -> None:
        self.observe = observe
        self.driver_settled = driver_settled
        self.look_now = look_now
        self.flush_hooks = flush_hooks
        self.leave = leave
        self.finish = finish
        self.clock = clock
        self.quiet_s = quiet_s
        self.left_at: float | None = None  # when the user pressed Home
        self.ended = False

    def step(self) -> bool:
        if self.ended:
            return True
        now = self.clock()
        since = quiet_since(self.observe(), now)
        if since is None:
            return False
        if self.left_at is not None:
            since = max(since, self.left_at)
        if now - since < self.quiet_s:
            return False
        if not self.driver_settled(since):
            self.look_now()
            return False
        if self.flush_hooks() > 0:
            return False  # the hooks still held events: not quiet after all
        if self.left_at is None:
            self.left_at = self.clock()
            if self.leave():
                return False
        self.finish()
        self.ended = True
        return True


def activity_record(in_flight: int, changed_ns: int) -> bytes:
    """The proxy's flows-in-flight record (addons/flow_activity.py writes it): written twice
    on one line, so a read that raced a write sees two halves that differ."""
    half = f"{in_flight} {changed_ns}"
    return f"{half} {half}\n".encode("ascii").ljust(RECORD_BYTES, b" ")


def read_activity_file(path: Path) -> tuple[int | None, float | None]:
    """(flows in flight, monotonic seconds of the last change; None before any flow) from
    the proxy's record; (None, None) while it is missing or torn: the caller counts that as busy."""
    try:
        with open(path, "rb") as fh:
            parts = fh.read(RECORD_BYTES).decode("ascii", "replace").split()
    except OSError:
        return None, None
    if len(parts) != 4 or parts[:2] != parts[2:]:
        return None, None
    try:
        in_flight, changed_ns = int(parts[0]), int(parts[1])
    except ValueError:
        return None, None
    return in_flight, (changed_ns / 1e9 if changed_ns else None)


def end_when_quiet(app, *, flush_hooks: Callable[[], int] = lambda: 0, events: Callable[[], int] = lambda: 0,
                   timeout_s: float = 60.0, poll_s: float = 0.05) -> bool:
    """Blocking form for an app run without a session (the lab tests): ``app`` is a RunningApp,
    ``events`` counts the hook events received so far. True once the app was told to end or
    ended on its own; False when it never went quiet in time."""
    seen = [events(), time.monotonic()]

    def observe() -> Activity:
        if events() != seen[0]:
            seen[:] = [events(), time.monotonic()]
        quiet_ms = app.quiet_ms()
        return Activity(device_quiet_s=None if quiet_ms is None else quiet_ms / 1000.0, flows_in_flight=0,
                        last_flow_change=None, last_event=seen[1])

    ending = QuietEnd(observe=observe, driver_settled=lambda since: True, look_now=lambda: None,
                      flush_hooks=flush_hooks, leave=app.leave, finish=app.finish)
    deadline = time.monotonic() + timeout_s
    while not ending.step():
        if app.exit_code() is not None:
            return True  # it ended on its own meanwhile
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_s)
    return True
