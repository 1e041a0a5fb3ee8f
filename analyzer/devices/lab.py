"""The lab device: a JVM running a scenario app, Frida attached locally.

The app prints ``LAB:WAITING`` and blocks on stdin (its start gate) until we write a
line, the analog of spawn gating on Android. Its traffic goes to the proxy given on the
command line; the lab network addon sends every upstream connection to the local lab
backend, so nothing leaves loopback and URLs keep their real host names.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.devices.base import (AppTarget, DeviceBackend, DeviceError, LaunchOptions, PermissionPolicy, ProxyPlan,
                                   RunningApp)

WAITING_TIMEOUT_S = 60.0
STOP_GRACE_S = 3.0


def scenario_expectations() -> dict[str, dict[str, Any]]:
    """Scenario name -> its expectation JSON (as a plain dict)."""
    from analyzer.lab.scenarios import load_scenarios

    loaded = load_scenarios()
    items = loaded.values() if isinstance(loaded, dict) else loaded
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        spec = item if isinstance(item, dict) else _as_dict(item)
        out[spec["name"]] = spec
    return out


def _as_dict(obj: Any) -> dict[str, Any]:
    for attr in ("model_dump", "to_dict", "as_dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            return fn()
    raw = getattr(obj, "raw", None) or getattr(obj, "spec", None)
    if isinstance(raw, dict):
        return raw
    return dict(vars(obj))


@dataclass(frozen=True)
class ChildProcess:
    """Another process of the app (android:process), a JVM of its own."""

    pid: int
    name: str  # the full process name, e.g. com.labshop.pushdemo:push


class LabApp(RunningApp):
    """The app's main process (a LabProcess): stdout lines parsed, stdin is the start gate,
    the control channel reaches its window manager."""

    def __init__(self, process, frida_device: Any, package: str = "") -> None:
        self.process = process
        self.pid = process.pid
        self.package = package
        self.frida_device = frida_device
        self.frida_session = None
        self._control: Any = None

    def release(self) -> None:
        from analyzer.lab.launch import LabProcessError

        try:
            self.process.release_gate()
        except LabProcessError as exc:
            raise DeviceError(str(exc)) from None

    def exit_code(self) -> int | None:
        return self.process.returncode

    def finished_normally(self) -> bool:
        return any(line.startswith("LAB:DONE") for line in self.process.lines()[-5:])

    def counts(self) -> dict[str, int]:
        return self.process.counts()

    def stop(self, timeout: float = STOP_GRACE_S) -> int | None:
        self.close_control()
        return self.process.terminate(timeout)

    def close_control(self) -> None:
        if self._control is not None:
            self._control.close()

    # --- when the run may end (analyzer/runner/quiet.py) -----------------------------------
    def quiet_ms(self) -> float | None:
        """IDLE over the control channel (labdevice.LabMain.appQuiet); None once the app is gone."""
        if not self.running():
            return None
        try:
            return float(self.command("IDLE"))
        except (DeviceError, ValueError):
            return None

    def leave(self) -> bool:
        try:
            self.command("HOME")
        except DeviceError:
            return False
        return True

    def finish(self) -> bool:
        """STOP: the app prints its call counts and LAB:DONE, then halts (as Android kills it)."""
        try:
            self.command("STOP")
        except DeviceError:
            return False
        return True

    # --- the app's other processes (child gating; docs/labdevice.md) ---------------------------
    def children(self) -> list[ChildProcess]:
        """Every other process the app started so far."""
        return [ChildProcess(pid, name) for pid, name in self.process.children()]

    def on_child(self, callback: Callable[[ChildProcess], None]) -> None:
        """Calls callback(child) when the app starts another process (on the stdout reader thread).

        With child gating on (LaunchOptions.extra["child_gating"]) the child waits at its start
        gate until resume_child(pid): attach to child.pid and load hooks first.
        """
        def listener(line: str) -> None:
            if line.startswith("LAB:SPAWN "):
                pid, _, name = line[len("LAB:SPAWN "):].partition(" ")
                callback(ChildProcess(int(pid), name))

        self.process.add_line_listener(listener)

    def resume_child(self, pid: int) -> None:
        self.command(f"RESUME {int(pid)}")

    # --- the control channel ------------------------------------------------------------------
    def running(self) -> bool:
        return self.process.returncode is None

    def command(self, line: str) -> bytes:
        from analyzer.lab.control import ControlClient, ControlError
        from analyzer.lab.launch import LabProcessError

        try:
            if self._control is None:
                self._control = ControlClient(self.process.control_port(timeout=WAITING_TIMEOUT_S))
            return self._control.command(line)
        except (ControlError, LabProcessError) as exc:
            raise DeviceError(f"lab device: {exc}") from None


LAUNCHER_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\"><node index=\"0\" text=\"\" "
    "resource-id=\"\" class=\"android.widget.FrameLayout\" package=\"com.android.launcher3\" content-desc=\"\" "
    "checkable=\"false\" checked=\"false\" clickable=\"false\" enabled=\"true\" focusable=\"false\" focused=\"false\" "
    "scrollable=\"false\" long-clickable=\"false\" password=\"false\" selected=\"false\" bounds=\"[0,0][1080,2340]\" />"
    "</hierarchy>"
)


SCREEN_SIZE = (1080, 2340)
HOME_COLOUR = (0xFA, 0xFA, 0xFA)


def home_screen_png() -> bytes:
    """The empty home screen as a PNG (what the screen shows when no lab app runs)."""
    import struct
    import zlib

    width, height = SCREEN_SIZE
    row = b"\x00" + bytes(HOME_COLOUR) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class LabBackend(DeviceBackend):
    """The JVM lab device: installed apps and their data on disk, each app run as its own JVM.

    keep_data=False (the default until the runner clears data itself) wipes an app's data
    before each spawn, as ``pm clear`` before a run does on a phone.
    """

    kind = "lab"

    def __init__(self, *, replay: bool = False, storage: Any = None, permissions: PermissionPolicy | None = None,
                 keep_data: bool = False, child_gating: bool = False) -> None:
        from analyzer.lab.device import LabDeviceStorage

        self.replay = replay
        self.storage = storage or LabDeviceStorage()
        self.permissions = permissions or PermissionPolicy("all")
        self.keep_data = keep_data
        self.child_gating = child_gating
        self._server: Any = None
        self._proxy: tuple[str, int] | None = None
        self._truststore: Path | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="consentry-lab-"))
        self._apps: list[LabApp] = []
        self._closed = False

    def describe(self) -> dict[str, Any]:
        import platform

        import frida

        info: dict[str, Any] = {
            "kind": "lab", "serial": "lab-jvm", "name": "consentry lab device",
            "frida_version": frida.__version__, "host": platform.platform(),
        }
        try:
            from analyzer.lab.scenarios import device_profile

            profile = device_profile()
            info["profile"] = {k: profile[k] for k in ("model", "manufacturer", "android_release", "sdk") if k in profile}
        except Exception:  # noqa: BLE001 - optional detail
            pass
        return info

    def resolve_app(self, app: str) -> AppTarget:
        """A built lab app file (installed now), a built-in scenario name or its package."""
        path = Path(app)
        if path.suffix in (".apk", ".jar") or path.is_file():
            return self.install(path, self.permissions)
        known = scenario_expectations()
        spec = known.get(app) or next((s for s in known.values() if (s.get("app") or {}).get("package") == app), None)
        if spec is None:
            installed = self.storage.installed(app) if "." in app else None
            if installed is not None:
                return AppTarget(requested=app, package=installed.package, version=installed.version)
            raise DeviceError(f"no lab scenario or installed package {app!r}; scenarios: {', '.join(sorted(known))}")
        from analyzer.lab.apps import build_builtin
        from analyzer.lab.build import LabBuildError

        try:
            apk = build_builtin(spec.get("app_dir") or spec["name"])
        except LabBuildError as exc:
            raise DeviceError(f"the lab app {spec['name']} did not build: {str(exc).splitlines()[0]}") from None
        installed = self.storage.install(apk, self.permissions)
        info = spec.get("app") or {}
        return AppTarget(
            requested=app, package=installed.package, version=installed.version or str(info.get("version", "")),
            first_party_domains=list(info.get("first_party_domains") or []), scenario=spec["name"], expectation=spec,
        )

    def install(self, apk: Path, permissions: PermissionPolicy = PermissionPolicy()) -> AppTarget:
        installed = self.storage.install(Path(apk), permissions)
        return AppTarget(requested=str(apk), package=installed.package, version=installed.version)

    def clear_app_data(self, package: str) -> None:
        self.force_stop(package)
        self.storage.clear(package)

    def force_stop(self, package: str) -> None:
        for app in self._apps:
            if app.package == package and app.running():
                app.stop(1)

    def proxy_plan(self) -> ProxyPlan:
        """The lab network addon; the lab backend server too, unless responses are replayed."""
        from analyzer.devices import lab_net as network

        if not self.replay:
            self._server = network.start_backend()
        return network.proxy_plan(self._server)

    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        from analyzer.devices import lab_net as network

        self._proxy = (host, port)
        if ca_cert_path is not None:
            self._truststore = network.truststore_for(ca_cert_path, self._workdir)

    def spawn(self, target: AppTarget, options: LaunchOptions) -> RunningApp:
        import frida

        from analyzer.devices import lab_net as network
        from analyzer.lab.launch import LabProcess, LabProcessError

        installed = self.storage.installed(target.package)
        if installed is None:
            raise DeviceError(f"{target.package} is not installed on the lab device")
        self.force_stop(target.package)
        if not (self.keep_data or options.extra.get("keep_data")):
            self.storage.clear(target.package)
        cmd = network.command(installed.apk, proxy=self._proxy, truststore=self._truststore, server=self._server,
                              dialog_timeout_ms=options.dialog_timeout_ms, data_dir=installed.data_dir,
                              granted=installed.granted, child_gating=bool(options.extra.get("child_gating", self.child_gating)))
        try:
            app = LabApp(LabProcess(cmd).start(), frida.get_local_device(), installed.package)
            self._apps.append(app)
            app.process.wait_for_line("LAB:WAITING", timeout=WAITING_TIMEOUT_S)
        except LabProcessError as exc:
            raise DeviceError(str(exc)) from None
        return app

    # --- the UI, from outside the app ------------------------------------------------------------
    def _foreground(self) -> LabApp | None:
        running = [a for a in self._apps if a.running()]
        return running[-1] if running else None

    def dump_ui(self) -> str:
        app = self._foreground()
        if app is None:
            return LAUNCHER_XML
        return app.command("DUMP").decode("utf-8")

    def tap(self, x: int, y: int) -> None:
        """Taps the foreground app; on the home screen (no app running) a tap hits nothing."""
        if not (0 <= int(x) < SCREEN_SIZE[0] and 0 <= int(y) < SCREEN_SIZE[1]):
            raise DeviceError(f"tap ({x}, {y}) is off the {SCREEN_SIZE[0]}x{SCREEN_SIZE[1]} screen")
        app = self._foreground()
        if app is not None:
            app.command(f"TAP {int(x)} {int(y)}")

    def screenshot(self) -> bytes:
        app = self._foreground()
        if app is None:
            return home_screen_png()
        return app.command("SCREENSHOT")

    def device_time(self) -> float:
        app = self._foreground()
        if app is not None:
            try:
                return float(app.command("TIME"))
            except (DeviceError, ValueError):
                pass
        return time.time() * 1000.0

    def network_stats(self) -> dict[str, Any]:
        """Requests the lab backend answered (replay runs have no backend)."""
        if self._server is None:
            return {"backend": None}
        requests = self._server.requests
        return {"backend": self._server.spec, "backend_requests": len(requests),
                "backend_hosts": sorted({r.host for r in requests})}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for app in self._apps:
            try:
                app.stop(1)
            except Exception:  # noqa: BLE001
                pass
        if self._server is not None:
            try:
                self._server.stop()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(self._workdir, ignore_errors=True)
