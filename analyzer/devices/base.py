"""What every device backend offers the session runner.

A backend owns one device for one run: it says what the device is, turns the user's
``--app`` into a package, routes the device's traffic through the proxy, spawns the app
gated (its code must not run before the hooks are in), and undoes every change it made
to the device in ``close()``, which is safe to call more than once.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


class DeviceError(Exception):
    """An expected device problem, worded for the user (one line, with what to do)."""


@dataclass
class AppTarget:
    """The app of a run: what the user asked for and what it resolved to."""

    requested: str
    package: str
    version: str = ""
    first_party_domains: list[str] = field(default_factory=list)
    scenario: str | None = None  # lab device only: the scenario class to start
    expectation: dict[str, Any] | None = None  # lab device only: the scenario's expectation JSON


@dataclass
class ProxyPlan:
    """Extra mitmproxy scripts/options a backend needs (e.g. the lab network)."""

    extra_scripts: list[str] = field(default_factory=list)
    extra_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class LaunchOptions:
    dialog_timeout_ms: int = 8000
    withdraw_timeout_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PermissionPolicy:
    """Which runtime permissions an install grants: ``none``, ``all`` or a list of names."""

    mode: str = "none"  # none | all | list
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> "PermissionPolicy":
        text = (text or "none").strip()
        if text in ("none", "all"):
            return cls(text)
        names = tuple(n.strip() for n in text.split(",") if n.strip())
        if not names:
            raise ValueError("--permissions takes none, all or a comma-separated list of permission names")
        return cls("list", names)


@dataclass
class AppProcess:
    """Another process of the app (``android:process=":push"``), held at its start until
    ``resume()``, so its hooks are in before its code runs."""

    pid: int
    name: str  # ":push" for a private process, the full name otherwise
    frida_device: Any
    resume: Callable[[], None]


class RunningApp(abc.ABC):
    """One spawned, gated app process with a Frida session attached to it."""

    pid: int
    frida_device: Any
    frida_session: Any

    @abc.abstractmethod
    def release(self) -> None:
        """Let the app's code run (lab: the start gate; Android: resume the spawned process)."""

    @abc.abstractmethod
    def exit_code(self) -> int | None:
        """The process' exit code once it has ended, else None."""

    def finished_normally(self) -> bool:
        """True once the app said it is done (lab: ``LAB:DONE``)."""
        return False

    def counts(self) -> dict[str, int]:
        """Counters the app reported about itself (lab: ``LAB:COUNT api n``)."""
        return {}

    @abc.abstractmethod
    def stop(self, timeout: float = 5.0) -> int | None:
        """End the app (politely, then firmly); returns its exit code if known."""

    # --- when the run may end (analyzer/runner/quiet.py) -----------------------------------
    def quiet_ms(self) -> float | None:
        """How long the app has been quiet by the device's own account, in ms (0 while it
        works): its main looper holds no work, not even a delayed message, and no worker
        thread of the app runs. None when this device cannot tell (the run then ends by
        --duration or when the app ends)."""
        return None

    def leave(self) -> bool:
        """The user leaves the app (Home); False when this device cannot press it."""
        return False

    def finish(self) -> bool:
        """End the app as the system ends an app the user left, after which ``exit_code``
        or ``finished_normally`` tell it ended; False when this device cannot."""
        return False

    def watch_processes(self, on_process: Callable[[AppProcess], None]) -> bool:
        """Hand every other process the app starts to ``on_process`` (held at its start; the
        callee resumes it). False when this device cannot gate them (only the main process
        is hooked then)."""
        return False


class DeviceBackend(abc.ABC):
    kind: str = "?"

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """Device facts for the session record: kind, serial, name, OS, frida version."""

    @abc.abstractmethod
    def resolve_app(self, app: str) -> AppTarget:
        """Resolve ``--app``; raises DeviceError when it is not installed/known."""

    def proxy_plan(self) -> ProxyPlan:
        return ProxyPlan()

    @abc.abstractmethod
    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        """Send the device's HTTP(S) through the proxy at host:port."""

    @abc.abstractmethod
    def spawn(self, target: AppTarget, options: LaunchOptions) -> RunningApp:
        """Start the app held at its gate, with a Frida session attached."""

    # --- Per-run app state (adb: install -g / pm clear / am force-stop) -------------------
    def install(self, apk: Path, permissions: PermissionPolicy = PermissionPolicy()) -> AppTarget:
        """Install an APK (lab: a built lab app) granting ``permissions``; returns its target."""
        raise DeviceError(f"the {self.kind} device cannot install apps")

    def clear_app_data(self, package: str) -> None:
        """Wipe the app's data (shared prefs, files, databases); DeviceError when it could not."""
        raise DeviceError(f"the {self.kind} device cannot clear app data")

    def force_stop(self, package: str) -> None:
        """Stop every process of the app; no error when none runs."""

    # --- The UI, from outside the app (adb: uiautomator dump / input tap / screencap) -----
    def dump_ui(self) -> str:
        """The visible window hierarchy in ``uiautomator dump`` XML (``hierarchy/node``)."""
        raise DeviceError(f"the {self.kind} device cannot dump its UI")

    def tap(self, x: int, y: int) -> None:
        """Tap the screen at (x, y) in screen pixels, as ``input tap`` does."""
        raise DeviceError(f"the {self.kind} device cannot tap")

    def screenshot(self) -> bytes:
        """A PNG of the screen, as ``screencap -p`` writes."""
        raise DeviceError(f"the {self.kind} device cannot take screenshots")

    def device_time(self) -> float:
        """The device clock now, epoch milliseconds."""
        import time

        return time.time() * 1000.0

    def network_stats(self) -> dict[str, Any]:
        """What the device's network saw at its far end, when the backend can tell."""
        return {}

    @abc.abstractmethod
    def close(self) -> None:
        """Undo everything done to the device; idempotent, never raises."""

    def __enter__(self) -> "DeviceBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
