"""Every lab app through a real mitmdump (addons/labnet.py) into the lab backend, no hooks:
consent choice "none" (nobody taps; the simulated user leaves an idle screen after a short time)."""

from __future__ import annotations

import pytest

from analyzer.lab.ca import spki_pin
from analyzer.lab.launch import LabProcess, LabProcessError, lab_command
from analyzer.lab.scenarios import load_scenarios

SCENARIOS = sorted(load_scenarios())
DIALOG_TIMEOUT_MS = 200


def run_lab(network, scenario: str, **kwargs) -> LabProcess:
    network.backend.clear()
    cmd = lab_command(scenario, proxy=network.proxy, truststore=network.truststore,
                      dialog_timeout_ms=DIALOG_TIMEOUT_MS, withdraw_timeout_ms=DIALOG_TIMEOUT_MS, **kwargs)
    app = LabProcess(cmd).start()
    try:
        app.wait_for_line("LAB:WAITING", timeout=30)
        assert not any(line.startswith("LAB:STARTED") for line in app.lines()), "the app must wait at the gate"
        app.release_gate()
        app.wait_for_line("LAB:DONE", timeout=60)
        assert app.wait(30) == 0, app.stderr()
    finally:
        app.terminate()
    return app


def _preconsent_leak_sends_identifiers_before_the_dialog(network, app: LabProcess) -> None:
    from analyzer.lab.scenarios import device_profile

    lines = app.lines()
    umeng = next(i for i, line in enumerate(lines) if line.endswith("HTTP 200 POST https://ulogs.umeng.com/unify_logs"))
    assert umeng < next(i for i, line in enumerate(lines) if line.startswith("LAB:DIALOG_SHOWN"))
    bodies = {r.host: r for r in network.backend.requests}
    assert device_profile()["android_id"].encode() in bodies["ulogs.umeng.com"].body
    assert bodies["android.bugly.qq.com"].tls is False, "Bugly's report is the cleartext one"


def _overfrequency_counts_are_exact(network, app: LabProcess) -> None:
    counts = app.counts()
    assert counts["android.location.LocationManager.getLastKnownLocation"] == 205
    lines = app.lines()
    assert lines.index("LAB:LIFECYCLE foreground") < lines.index("LAB:LIFECYCLE background")


def _pinned_without_hooks_sends_nothing_pinned(network, app: LabProcess) -> None:
    assert len(app.lab_lines("PIN_FAILED")) == 2
    assert {r.path for r in network.backend.requests} == {"/v1/home"}


# Checks of one scenario's run that need nothing but that run: made on the same run.
MORE_CHECKS = {
    "preconsent_leak": _preconsent_leak_sends_identifiers_before_the_dialog,
    "overfrequency": _overfrequency_counts_are_exact,
    "pinned": _pinned_without_hooks_sends_nothing_pinned,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_without_consent_reaches_expected_hosts(lab_network, name):
    scenario = load_scenarios()[name]
    app = run_lab(lab_network, name)
    lines = app.lines()
    assert app.lab_lines("CONSENT") == [], "nobody tapped: the app stored no choice"
    if not scenario.model_dump().get("consent_ui") and name != "api_tour":
        assert any(line.startswith("LAB:DIALOG_SHOWN") for line in lines), "the privacy dialog was shown"
    started = lines.index(f"LAB:STARTED {scenario.app.package}")
    assert lines.index("LAB:WAITING") < started < next(i for i, line in enumerate(lines) if line.startswith("LAB:DONE"))
    assert not app.lab_lines("CRASHED") and not app.lab_lines("HTTP_FAILED"), lines
    assert lab_network.backend.hosts() == set(scenario.expect["none"].hosts)
    failed_pins = {rest.split(" ", 1)[0] for rest in app.lab_lines("PIN_FAILED")}
    assert failed_pins == set(scenario.pinned_hosts)
    for api, count in scenario.counts.items():
        assert app.counts().get(api) == count, api
    if name in MORE_CHECKS:
        MORE_CHECKS[name](lab_network, app)


def test_every_scenario_specific_check_names_a_scenario():
    assert set(MORE_CHECKS) <= set(SCENARIOS)


@pytest.mark.slow
def test_pinned_succeeds_with_the_proxy_pin_and_ca(lab_network):
    # mitmproxy signs its leaf certificates with its CA key, so the CA's SPKI pin matches the leaf
    app = run_lab(lab_network, "pinned", pins=[spki_pin(lab_network.mitm_ca)], lab_ca=lab_network.mitm_ca)
    assert app.lab_lines("PIN_FAILED") == []
    paths = {(r.host, r.path) for r in lab_network.backend.requests}
    assert ("api.labshop.example", "/v1/login") in paths and ("pay.labshop.example", "/v1/pay") in paths
