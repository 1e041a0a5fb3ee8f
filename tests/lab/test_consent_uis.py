"""The consent screens testers meet, each a lab app driven from outside as the consent driver
does it: find the node by its text in the uiautomator dump, tap the centre of its bounds.
The app stores its own choice (SharedPreferences) and what it sends follows the choice:
the lab backend receives exactly the hosts the scenario's expectation names."""

from __future__ import annotations

import pytest

from analyzer.devices.base import LaunchOptions
from analyzer.devices.lab import LabBackend
from analyzer.lab.device import LabDeviceStorage
from analyzer.lab.scenarios import load_scenarios
from analyzer.runner.quiet import end_when_quiet
from tests.lab.labui import find, tap_text, wait_for_text, wait_until

# the simulated user's own idle timer, only an upper bound: finish() leaves once the app is quiet
IDLE_MS = 30_000
AGREED = '<boolean name="privacy_policy_agreed" value="{}" />'


@pytest.fixture()
def device(tmp_path, lab_network):
    with LabBackend(storage=LabDeviceStorage(tmp_path / "device"), keep_data=True) as backend:
        backend.route_traffic(*lab_network.proxy, lab_network.mitm_ca)
        lab_network.backend.clear()
        yield backend


def launch(device, name: str):
    target = device.resolve_app(name)
    app = device.spawn(target, LaunchOptions(dialog_timeout_ms=IDLE_MS))
    app.release()
    return target, app


def tap_all(device, texts: list[str]) -> None:
    for text in texts:
        tap_text(device, text)


def prefs(device, package: str) -> str:
    path = device.storage.data_dir(package) / "shared_prefs" / "privacy.xml"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def finish(app) -> None:
    """The user leaves once the app is quiet (Home), and the app is ended once quiet again."""
    assert end_when_quiet(app), app.process.lines()[-20:]
    assert wait_until(app.finished_normally, 60), app.process.lines()[-20:]
    assert not app.process.lab_lines("CRASHED"), app.process.stderr()[-30:]


def assert_hosts(lab_network, name: str, choice: str) -> None:
    expected = set(load_scenarios()[name].expect[choice].hosts)
    assert lab_network.backend.hosts() == expected


UI_APPS = ["custom_dialog", "checkbox_gate", "splash_consent", "second_refusal", "popup_consent", "gdpr_banner"]


@pytest.mark.slow
@pytest.mark.parametrize("choice", ["accept", "refuse"])
@pytest.mark.parametrize("name", UI_APPS)
def test_consent_ui_driven_from_outside(device, lab_network, name, choice):
    ui = load_scenarios()[name].model_dump()["consent_ui"]
    target, app = launch(device, name)
    tap_all(device, ui[choice])
    assert wait_until(lambda: AGREED.format("true" if choice == "accept" else "false") in prefs(device, target.package))
    assert wait_until(lambda: app.process.lab_lines("CONSENT") == [choice]), app.process.lab_lines("CONSENT")
    finish(app)
    assert_hosts(lab_network, name, choice)


@pytest.mark.slow
def test_checkbox_gates_the_accept_button(device, lab_network):
    target, app = launch(device, "checkbox_gate")
    xml, accept = wait_for_text(device, "同意")
    assert accept.get("enabled") == "false" and find(xml, "我已阅读并同意《隐私政策》").get("checked") == "false"
    tap_text(device, "同意")  # disabled: nothing happens
    xml, _ = wait_for_text(device, "我已阅读并同意《隐私政策》")
    assert prefs(device, target.package) == ""
    tap_text(device, "我已阅读并同意《隐私政策》")
    xml, accept = wait_for_text(device, "同意")
    assert accept.get("enabled") == "true" and find(xml, "我已阅读并同意《隐私政策》").get("checked") == "true"
    tap_text(device, "同意")
    assert wait_until(lambda: AGREED.format("true") in prefs(device, target.package))
    finish(app)


@pytest.mark.slow
def test_second_refusal_exit_ends_the_app_without_sending_more(device, lab_network):
    ui = load_scenarios()["second_refusal"].model_dump()["consent_ui"]
    target, app = launch(device, "second_refusal")
    tap_all(device, ui["refuse_exit"])
    assert wait_until(lambda: AGREED.format("false") in prefs(device, target.package))
    finish(app)
    assert "exit" in app.process.logcat("MODE")
    assert lab_network.backend.hosts() == {"api.labshop.example"}


@pytest.mark.slow
def test_gdpr_manage_saves_nothing_ticked_as_a_refusal(device, lab_network):
    target, app = launch(device, "gdpr_banner")
    tap_text(device, "Manage")
    xml, _ = wait_for_text(device, "Save choices")
    assert find(xml, "Analytics").get("checked") == "false", "no pre-ticked purposes"
    tap_text(device, "Save choices")
    assert wait_until(lambda: AGREED.format("false") in prefs(device, target.package))
    finish(app)
    assert_hosts(lab_network, "gdpr_banner", "refuse")


@pytest.mark.slow
def test_dialog_only_on_the_second_launch(device, lab_network):
    target, app = launch(device, "second_launch")
    finish(app)
    assert not any(line.startswith("LAB:DIALOG_SHOWN") for line in app.process.lines()), "no consent screen on launch 1"
    assert_hosts(lab_network, "second_launch", "none")
    lab_network.backend.clear()
    app = device.spawn(target, LaunchOptions(dialog_timeout_ms=IDLE_MS))
    app.release()
    tap_text(device, "同意")
    assert wait_until(lambda: AGREED.format("true") in prefs(device, target.package))
    finish(app)
    assert_hosts(lab_network, "second_launch", "accept")


@pytest.mark.slow
def test_withdrawal_through_the_settings_screen(device, lab_network):
    target, app = launch(device, "withdraw")
    tap_text(device, "同意")
    tap_all(device, ["隐私设置", "撤回同意"])
    assert wait_until(lambda: app.process.lab_lines("CONSENT") == ["accept", "withdraw"])
    assert '<boolean name="privacy_withdrawn" value="true" />' in prefs(device, target.package)
    finish(app)
    umeng = [r for r in lab_network.backend.requests if r.host == "ulogs.umeng.com"]
    assert len(umeng) == 2, "one report after 同意, one more after 撤回同意"
