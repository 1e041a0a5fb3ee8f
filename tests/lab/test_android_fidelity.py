"""Android behaviours the analyzer depends on, mirrored by the lab device (docs/android-fidelity.md).

Each test runs a real lab app (tests/lab/apps/*, built with the lab build) on the lab device
and checks what the app itself observed (its logcat) or what is seen from outside."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from analyzer.devices.base import LaunchOptions, PermissionPolicy
from analyzer.devices.lab import LabBackend
from analyzer.lab.apps import build_app
from analyzer.lab.device import LabDeviceStorage
from tests.lab.labui import tap_text, wait_for_text, wait_until

APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def fidelity_apk(lab_classes, tmp_path_factory):
    return build_app(APPS / "fidelity", tmp_path_factory.mktemp("apk") / "fidelity.apk")


@pytest.fixture()
def device(tmp_path, lab_classes):
    with LabBackend(storage=LabDeviceStorage(tmp_path / "device"), keep_data=True) as backend:
        yield backend


def run(device, apk, *, idle_ms=30_000, **extra):
    target = device.install(apk, PermissionPolicy("all"))
    app = device.spawn(target, LaunchOptions(dialog_timeout_ms=idle_ms, extra=extra))
    app.release()
    return target, app


def logged(app, text: str, tag: str = "FIDELITY", timeout: float = 30.0) -> bool:
    return wait_until(lambda: text in app.process.logcat(tag), timeout)


def test_alert_dialog_buttons_exist_only_after_show(device, fidelity_apk):
    _, app = run(device, fidelity_apk)
    assert logged(app, "button after show true")
    assert "button before show false" in app.process.logcat("FIDELITY")


def test_views_belong_to_the_main_thread(device, fidelity_apk):
    _, app = run(device, fidelity_apk)
    assert logged(app, "runOnUiThread on main")
    seen = app.process.logcat("FIDELITY")
    assert "offthread before attach allowed" in seen, "a view not yet in a window may be touched from any thread"
    assert ("offthread android.view.ViewRootImpl$CalledFromWrongThreadException: "
            "Only the original thread that created a view hierarchy can touch its views.") in seen
    assert any(s.startswith("offthread dialog Can't create handler inside thread") for s in seen)
    assert logged(app, "handler on main")
    tap_text(device, "好")  # the dialog's button: its listener runs on the main thread
    assert logged(app, "dialog button on main")
    tap_text(device, "检查线程")
    assert logged(app, "click on main main=true")
    assert not app.process.lab_lines("CRASHED")


def test_app_data_persists_until_cleared(device, fidelity_apk):
    target, app = run(device, fidelity_apk)
    assert logged(app, "launch 1")
    device.force_stop(target.package)
    assert app.exit_code() is not None
    _, app = run(device, fidelity_apk)
    assert logged(app, "launch 2"), "SharedPreferences survive a restart"
    prefs = device.storage.data_dir(target.package) / "shared_prefs" / "state.xml"
    assert '<int name="launches" value="2" />' in prefs.read_text(encoding="utf-8")
    device.clear_app_data(target.package)
    assert not prefs.exists()
    _, app = run(device, fidelity_apk)
    assert logged(app, "launch 1"), "pm clear wipes them"


def test_second_process_is_its_own_jvm_and_can_be_gated(device, fidelity_apk):
    target = device.install(fidelity_apk)
    app = device.spawn(target, LaunchOptions(dialog_timeout_ms=30_000, extra={"child_gating": True}))
    spawned = []
    seen = threading.Event()
    app.on_child(lambda child: (spawned.append(child), seen.set()))
    app.release()
    assert seen.wait(30), app.process.lines()[-20:]
    child = spawned[0]
    assert child.name == "com.labshop.fidelity:push" and child.pid != app.pid
    assert app.children() == [child]
    assert wait_until(lambda: f"LAB:PROC {child.pid} WAITING" in app.process.lines())
    assert os.path.exists(f"/proc/{child.pid}"), "a process of its own"
    assert not any(line.startswith(f"LAB:PROC {child.pid} STARTED") for line in app.process.lines()), "held at its gate"
    app.resume_child(child.pid)
    assert wait_until(lambda: f"LAB:PROC {child.pid} LOG I/PUSH: service onCreate in com.labshop.fidelity:push pid {child.pid}"
                      in app.process.lines())
    assert f"LAB:PROC {child.pid} LOG I/FIDELITY: application onCreate in com.labshop.fidelity:push pid {child.pid}" in app.process.lines()
    assert f"application onCreate in com.labshop.fidelity pid {app.pid}" in app.process.logcat("FIDELITY")
    device.force_stop(target.package)
    assert wait_until(lambda: not os.path.exists(f"/proc/{child.pid}") or "zombie" in Path(f"/proc/{child.pid}/status").read_text().lower())


def test_packer_app_runs_its_code_from_a_second_class_loader(device, lab_classes, tmp_path):
    apk = build_app(APPS / "packer", tmp_path / "packer.apk")
    _, app = run(device, apk)
    wait_for_text(device, "解壳成功")
    assert "payload loader installed" in app.process.logcat("PACKER")
    assert "activity loaded by dalvik.system.DexClassLoader" in app.process.logcat("PACKER")


def test_runtime_permissions_follow_the_install_policy(device, fidelity_apk):
    target = device.install(fidelity_apk, PermissionPolicy("none"))
    app = device.spawn(target, LaunchOptions(dialog_timeout_ms=30_000))
    app.release()
    assert logged(app, "permission INTERNET -1")
    device.force_stop(target.package)
    _, app = run(device, fidelity_apk)  # PermissionPolicy("all")
    assert logged(app, "permission INTERNET 0")


def test_an_uncaught_exception_on_the_main_thread_kills_the_app(device, fidelity_apk):
    _, app = run(device, fidelity_apk)
    tap_text(device, "好")
    tap_text(device, "制造崩溃")
    assert wait_until(lambda: app.exit_code() is not None)
    assert app.exit_code() == 1
    assert app.process.lab_lines("CRASHED") == ["java.lang.IllegalStateException: boom"]
    assert any(line.startswith("LAB:DONE crashed") for line in app.process.lines())
