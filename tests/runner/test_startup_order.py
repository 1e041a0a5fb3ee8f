"""The runner's start-up order against an app that behaves like a spawned ART app: its
hooks can only become ready after it was resumed (frida-java-bridge defers Java.perform
until the app is bound), and it starts a ":push" process of its own, held at its start.

The device is a fake (no phone here); the runner, the proxy, the writer and the store are
real. A runner that waited for "hooks:ready" before resuming would time out here.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from analyzer.devices.base import AppProcess, AppTarget, DeviceBackend, RunningApp
from analyzer.hooks import HookSessionError, HooksReady
from analyzer.models.events import ApiCallEvent
from analyzer.runner.consent import parse_consent_plan
from analyzer.runner.session import RunConfig, SessionRunner
from analyzer.store import open_store


class ArtLikeApp(RunningApp):
    """Spawned, suspended; on resume it binds (hooks get ready), starts ":push", then ends."""

    def __init__(self, log: list[str]) -> None:
        self.pid = 31337
        self.frida_device = None  # no clock probe: the runner notes it and goes on
        self.frida_session = None
        self.log = log
        self.bound = threading.Event()
        self.done = threading.Event()
        self.on_process = None
        self.push_resumed = threading.Event()

    def watch_processes(self, on_process) -> bool:
        self.on_process = on_process
        return True

    def release(self) -> None:
        self.log.append("resume main")
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        time.sleep(0.2)
        self.bound.set()  # handleBindApplication: the bridge runs the pending Java.perform now
        if self.on_process is not None:
            self.on_process(AppProcess(pid=31338, name=":push", frida_device=None, resume=self._resume_push))
        self.push_resumed.wait(10)
        time.sleep(0.5)
        self.done.set()

    def _resume_push(self) -> None:
        self.log.append("resume :push")
        self.push_resumed.set()

    def exit_code(self) -> int | None:
        return 0 if self.done.is_set() else None

    def finished_normally(self) -> bool:
        return self.done.is_set()

    def stop(self, timeout: float = 5.0) -> int | None:
        return 0


class ArtLikeHooks:
    """The agent as it behaves on ART: loaded while the process is suspended, ready only once
    the resumed app is bound; every event it reports carries its process' name."""

    def __init__(self, target: Any, app: ArtLikeApp, config: dict, on_event, log: list[str]) -> None:
        self.target, self.app, self.config, self.on_event, self.log = target, app, config, on_event, log
        self.detached = False

    def load(self) -> None:
        self.log.append(f"load {self.config.get('process') or 'main'}")
        if self.config.get("process"):
            # the ":push" agent reports one call as soon as its process runs
            threading.Thread(target=self._report_after_resume, daemon=True).start()

    def _report_after_resume(self) -> None:
        self.app.push_resumed.wait(10)
        event = ApiCallEvent(ts=time.time() * 1000, api="android.telephony.TelephonyManager.getImei", kind="imei",
                             ret="356938035643809", process=self.config["process"])
        self.on_event(event)

    def wait_ready(self, timeout: float) -> HooksReady:
        if not self.app.bound.wait(min(timeout, 5.0)):
            raise HookSessionError("hooks not ready: the app was never resumed")
        self.log.append("ready main")
        return HooksReady(type="hooks:ready", targets=1)

    def flush(self) -> int:
        return 0

    def unload(self) -> None:
        self.detached = True


class LabStyleApp(ArtLikeApp):
    """The lab device's child API instead (docs/labdevice.md): on_child(callback) reports
    "LAB:SPAWN <pid> <full process name>", resume_child(pid) opens the child's gate."""

    def watch_processes(self, on_process) -> bool:
        return False

    def on_child(self, callback) -> None:
        from types import SimpleNamespace

        self.on_process = lambda process: callback(SimpleNamespace(pid=process.pid, name="com.example.app" + process.name))

    def resume_child(self, pid: int) -> None:
        assert pid == 31338
        self._resume_push()


class FakeDevice(DeviceBackend):
    kind = "usb"

    def __init__(self, app: ArtLikeApp) -> None:
        self.app = app

    def describe(self) -> dict[str, Any]:
        return {"kind": "usb", "serial": "FAKE"}

    def resolve_app(self, app: str) -> AppTarget:
        return AppTarget(requested=app, package=app, version="1.0")

    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        pass

    def clear_app_data(self, package: str) -> None:
        self.app.log.append("clear")

    def force_stop(self, package: str) -> None:
        self.app.log.append("force-stop")

    def spawn(self, target, options) -> RunningApp:
        self.app.log.append("spawn")
        return self.app

    def close(self) -> None:
        pass


@pytest.mark.parametrize("app_class", [ArtLikeApp, LabStyleApp])
def test_resume_comes_before_ready_and_other_processes_are_hooked_before_they_run(sqlite_url, tmp_path, app_class):
    log: list[str] = []
    app = app_class(log)
    store = open_store(sqlite_url)

    def hooks_factory(target, config, on_event, on_protocol, on_detached):
        return ArtLikeHooks(target, app, config, on_event, log)

    config = RunConfig(device="usb", app="com.example.app", consent=parse_consent_plan("none"), duration_s=20,
                       analyze=False, confdir=str(tmp_path / "mitm"), session_name="art-order")
    result = SessionRunner(store, config, FakeDevice(app), hooks_factory=hooks_factory).run()

    assert result.status == "finished", result.status_detail
    assert log.index("clear") < log.index("spawn")  # a none run starts from cleared app data
    assert log.index("load main") < log.index("resume main") < log.index("ready main")
    assert log.index("load :push") < log.index("resume :push")
    session = store.get_session("art-order")
    stored = [e.data for e in store.iter_events(session.id, types=["api_call"])]
    assert [(e["api"], e.get("process")) for e in stored] == [("android.telephony.TelephonyManager.getImei", ":push")]
