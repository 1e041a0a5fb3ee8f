"""The lab app as Frida's Java bridge sees it, with a real attach:

- before the start gate is released only the framework is loaded: no class of the app, no
  Application (ActivityThread.currentApplication() is null), as in a spawned app on ART,
  which binds the app only after resume;
- the in-process click the hooks used (AlertDialog.getButton(BUTTON_POSITIVE).performClick()
  from the agent's thread) still works, because AlertDialog forwards its listener to the
  main thread, but a plain View click handler run from the agent's thread that touches a
  view throws CalledFromWrongThreadException, as on Android."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analyzer.devices.base import LaunchOptions
from analyzer.devices.lab import LabBackend
from analyzer.lab.device import LabDeviceStorage
from tests.lab.labui import tap_text, wait_for_text, wait_until

frida = pytest.importorskip("frida")
frida_tools = pytest.importorskip("frida_tools")

AGENT = r"""
globalThis.Java = bridge;
rpc.exports = {
  probe() {
    const out = {};
    Java.perform(() => {
      out.appClasses = Java.enumerateLoadedClassesSync().filter(n => n.startsWith('com.labshop.')).sort();
      const app = Java.use('android.app.ActivityThread').currentApplication();
      out.application = app === null ? null : app.getClass().getName();
      out.loader = app === null ? null : app.getClassLoader().getClass().getName();
    });
    return out;
  },
  clickDialogButton(which) {
    let clicked = false;
    Java.perform(() => {
      Java.choose('android.app.AlertDialog', {
        onMatch(d) { if (d.isShowing()) { clicked = d.getButton(which).performClick(); return 'stop'; } },
        onComplete() {},
      });
    });
    return clicked;
  },
  clickViewByText(text) {
    let result = 'not found';
    Java.perform(() => {
      Java.choose('android.widget.Button', {
        onMatch(b) {
          if (String(b.getText()) !== text) return;
          try { b.performClick(); result = 'clicked'; } catch (e) { result = String(e); }
          return 'stop';
        },
        onComplete() {},
      });
    });
    return result;
  },
};
"""


@pytest.mark.slow
def test_bridge_sees_only_the_framework_before_resume_and_clicks_follow_android_threading(tmp_path, lab_classes):
    bridge = (Path(frida_tools.__file__).parent / "bridges" / "java.js").read_text(encoding="utf-8")
    with LabBackend(storage=LabDeviceStorage(tmp_path / "device")) as device:
        target = device.resolve_app("withdraw")
        app = device.spawn(target, LaunchOptions(dialog_timeout_ms=30_000))
        session = frida.attach(app.pid)
        try:
            script = session.create_script(bridge + AGENT)
            script.load()
            before = script.exports_sync.probe()
            assert before == {"appClasses": [], "application": None, "loader": None}
            app.release()
            wait_for_text(device, "同意")
            after = script.exports_sync.probe()
            assert "com.labshop.news.MainActivity" in after["appClasses"]
            assert after["application"] == "android.app.Application"
            assert after["loader"] == "dalvik.system.PathClassLoader"

            assert script.exports_sync.click_dialog_button(-1) is True
            assert wait_until(lambda: "accept" in app.process.lab_lines("CONSENT"))
            tap_text(device, "隐私设置")
            wait_for_text(device, "撤回同意")
            result = script.exports_sync.click_view_by_text("撤回同意")
            assert "android.view.ViewRootImpl$CalledFromWrongThreadException" in result
            tap_text(device, "撤回同意")  # the same click from outside, on the main thread, works
            wait_for_text(device, "已撤回同意")
        finally:
            session.detach()
    assert not app.process.lab_lines("CRASHED")
