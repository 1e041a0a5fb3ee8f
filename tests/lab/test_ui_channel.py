"""The lab device's UI from outside (the analog of uiautomator dump / input tap / screencap):
a real Android-style lab app, its window stack dumped in uiautomator's XML, taps hit-tested
and delivered on the app's main looper, screenshots rendered as PNG."""

from __future__ import annotations

import io
import re
import time
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from analyzer.devices.base import DeviceError, LaunchOptions
from analyzer.devices.lab import LAUNCHER_XML, LabBackend
from analyzer.lab.device import LabDeviceStorage
from tests.lab.labui import UIAUTOMATOR_ATTRIBUTES, centre, find, nodes, tap_text, wait_for_text, wait_until

XML_HEADER = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"


@pytest.fixture()
def device(tmp_path, lab_classes):
    with LabBackend(storage=LabDeviceStorage(tmp_path / "device")) as backend:
        yield backend


def start(device, app: str = "compliant", idle_ms: int = 30_000):
    target = device.resolve_app(app)
    running = device.spawn(target, LaunchOptions(dialog_timeout_ms=idle_ms))
    return target, running


def assert_uiautomator_format(xml: str) -> None:
    assert xml.startswith(XML_HEADER) and xml.endswith("</hierarchy>")
    for node in nodes(xml):
        assert list(node.attrib) == UIAUTOMATOR_ATTRIBUTES, node.attrib
        assert re.fullmatch(r"\[\d+,\d+\]\[\d+,\d+\]", node.get("bounds"))
        for flag in UIAUTOMATOR_ATTRIBUTES[6:16]:
            assert node.get(flag) in ("true", "false")


def test_gated_app_shows_the_home_screen_then_its_dialog(device):
    assert device.dump_ui() == LAUNCHER_XML
    target, app = start(device)
    before = device.dump_ui()
    assert_uiautomator_format(before)
    assert find(before, "同意") is None and 'package="com.android.launcher3"' in before
    app.release()
    xml, accept = wait_for_text(device, "同意")
    assert_uiautomator_format(xml)
    assert accept.get("class") == "android.widget.Button" and accept.get("clickable") == "true"
    assert accept.get("resource-id") == "android:id/button1" and accept.get("package") == target.package
    windows = list(ET.fromstring(xml))
    assert windows[0].get("bounds") == "[0,0][1080,2340]", "the activity window is under its dialog"
    assert find(xml, "用户协议与隐私政策").get("resource-id") == "android:id/alertTitle"


def test_tap_on_the_dialog_button_is_a_click_on_the_main_thread(device, tmp_path):
    target, app = start(device)
    app.release()
    tap_text(device, "同意")
    assert wait_until(lambda: "accept" in app.process.lab_lines("CONSENT"))
    xml, settings = wait_for_text(device, "隐私设置")
    assert find(xml, "同意") is None, "the dialog was dismissed"
    prefs = tmp_path / "device" / "data" / "data" / target.package / "shared_prefs" / "privacy.xml"
    assert wait_until(prefs.is_file)
    assert '<boolean name="privacy_policy_agreed" value="true" />' in prefs.read_text(encoding="utf-8")
    tap_text(device, "隐私设置")
    tap_text(device, "撤回同意")
    assert wait_until(lambda: "withdraw" in app.process.lab_lines("CONSENT"))
    assert '<boolean name="privacy_withdrawn" value="true" />' in prefs.read_text(encoding="utf-8")
    assert wait_until(lambda: any(line.startswith("LAB:TAP ") and line.endswith("click android.widget.Button 撤回同意")
                                  for line in app.process.lines()))


def test_screenshot_is_a_png_of_the_windows_with_readable_cjk(device):
    _, app = start(device)
    assert not app.process.lab_lines("FONT")[0].startswith("SansSerif"), "a CJK font must be installed (make setup)"
    app.release()
    xml, accept = wait_for_text(device, "同意")
    image = Image.open(io.BytesIO(device.screenshot())).convert("RGB")
    assert image.size == (1080, 2340)
    dimmed = image.getpixel((20, 20))
    assert max(dimmed) < 140, "the activity behind the dialog is dimmed"
    x1, y1, x2, y2 = map(int, re.findall(r"\d+", find(xml, "用户协议与隐私政策").get("bounds")))
    title = image.crop((x1, y1, x2, y2))
    dark = sum(1 for px in range(title.width) for py in range(title.height) if max(title.getpixel((px, py))) < 90)
    assert dark > 500, "the title's glyphs are drawn"
    x, y = centre(accept)
    button = image.crop((x - 60, y - 25, x + 60, y + 25))
    blue = sum(1 for px in range(button.width) for py in range(button.height) if button.getpixel((px, py))[2] > 180 > button.getpixel((px, py))[0])
    assert blue > 50, "the button's label is drawn in the accent colour"


def test_home_screen_and_off_screen_taps(device):
    device.tap(10, 10)  # the home screen: nothing to hit
    home = Image.open(io.BytesIO(device.screenshot()))
    assert home.size == (1080, 2340) and home.convert("RGB").getpixel((500, 500)) == (250, 250, 250)
    with pytest.raises(DeviceError, match="off the"):
        device.tap(-1, 10)
    _, app = start(device)
    app.release()
    wait_for_text(device, "同意")
    with pytest.raises(DeviceError, match="off the"):
        device.tap(5000, 10)
    device.tap(20, 20)  # outside a non-cancelable dialog: nothing happens
    assert find(device.dump_ui(), "同意") is not None
    assert abs(device.device_time() - time.time() * 1000) < 5000


def test_idle_says_how_long_the_app_has_been_quiet_and_a_dump_is_not_the_apps_work(device):
    target, app = start(device, "splash_consent")
    assert app.quiet_ms() == 0, "held at its gate the app has not started: not quiet"
    app.release()
    wait_for_text(device, "♪ 音乐")
    while True:  # the splash waits on a delayed message: that is pending work, not quiet
        quiet = app.quiet_ms()
        if find(device.dump_ui(), "同意并继续") is not None:
            break
        assert quiet == 0, "before its consent screen the app still has work (the splash's delayed message)"
    assert wait_until(lambda: app.quiet_ms() >= 1000), "the dialog waits for the user: the app is quiet"
    quiet = app.quiet_ms()
    for _ in range(5):
        device.dump_ui()
        device.screenshot()
    assert app.quiet_ms() >= quiet, "looking at the screen is not the app's work"
    tap_text(device, "同意并继续")
    assert app.quiet_ms() < quiet, "a tap is input: the quiet stretch starts again"
    assert app.leave() and app.finish()
    assert wait_until(app.finished_normally)
    assert "LAB:DONE stopped" in app.process.lines()
    assert wait_until(lambda: app.quiet_ms() is None), "an app that ended cannot tell"
