"""Frida's callbacks reach the runner's code on the runner's inbox thread, never on Frida's.

Real runner, real proxy, real Frida agent in a real JVM (the mirror program); the
"device" is a thin adapter that starts that JVM at its gate. Frida calls the agent's
message and detach handlers on a thread of its own: the runner's event handler (which
writes to the store, feeds the consent driver and prints) must not run there.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from analyzer.devices.base import AppTarget, DeviceBackend, RunningApp
from analyzer.hooks import HookSession
from analyzer.runner.consent import parse_consent_plan
from analyzer.runner.session import RunConfig, SessionRunner
from analyzer.store import open_store
from hooks_testlib import launch_gated

pytestmark = pytest.mark.slow


class MirrorApp(RunningApp):
    def __init__(self, classes: Path) -> None:
        self.java = launch_gated(["java", "-Xshare:auto", "-cp", str(classes), "fixture.MirrorApp",
                                  "--polls", "20", "--dialog-timeout-ms", "300"])
        self.pid = self.java.proc.pid
        self.frida_device = None  # no clock probe: the runner notes it and goes on
        self.frida_session = None

    def release(self) -> None:
        self.java.go()

    def exit_code(self) -> int | None:
        return self.java.proc.poll()

    def finished_normally(self) -> bool:
        return any(line == "LAB:DONE" for line in self.java.lines)

    def stop(self, timeout: float = 5.0) -> int | None:
        self.java.kill()
        return self.java.proc.returncode


class MirrorDevice(DeviceBackend):
    kind = "usb"

    def __init__(self, app: MirrorApp) -> None:
        self.app = app

    def describe(self) -> dict[str, Any]:
        return {"kind": "usb", "serial": "MIRROR"}

    def resolve_app(self, app: str) -> AppTarget:
        return AppTarget(requested=app, package=app, version="1.0")

    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        pass

    def clear_app_data(self, package: str) -> None:
        pass

    def force_stop(self, package: str) -> None:
        pass

    def spawn(self, target, options) -> RunningApp:
        return self.app

    def close(self) -> None:
        self.app.java.kill()


class ThreadRecordingRunner(SessionRunner):
    """The runner as it is, noting the thread its Frida-fed handlers run on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handler_threads: list[threading.Thread] = []

    def _on_event(self, event) -> None:
        self.handler_threads.append(threading.current_thread())
        super()._on_event(event)

    def _on_detached(self, reason: str) -> None:
        self.handler_threads.append(threading.current_thread())
        super()._on_detached(reason)


def test_frida_callbacks_run_on_the_runner_thread_not_fridas(mirror_classes, sqlite_url, tmp_path):
    frida_threads: set[threading.Thread] = set()

    class FridaThreadNoting(HookSession):
        def _handle_message(self, message, data) -> None:
            frida_threads.add(threading.current_thread())
            super()._handle_message(message, data)

    def hooks_factory(target, config, on_event, on_protocol, on_detached):
        return FridaThreadNoting(target.pid, config=config, on_event=on_event, on_protocol=on_protocol,
                                 on_detached=on_detached)

    app = MirrorApp(mirror_classes)
    store = open_store(sqlite_url)
    config = RunConfig(device="usb", app="fixture.mirror", consent=parse_consent_plan("none"), duration_s=30,
                       analyze=False, confdir=str(tmp_path / "mitm"), session_name="callback-thread")
    runner = ThreadRecordingRunner(store, config, MirrorDevice(app), hooks_factory=hooks_factory)
    result = runner.run()

    assert result.status in ("finished", "detached"), result.status_detail
    assert frida_threads and runner.handler_threads
    assert set(runner.handler_threads) == {runner.inbox.thread}
    assert runner.inbox.thread not in frida_threads
    assert not runner.inbox.thread.is_alive()  # closed at the end of the run
    # every event Frida delivered was handled and stored before the run returned
    counts = store.counts(store.get_session("callback-thread").id)
    assert counts["events"] >= sum(result.received.values()) > 0
