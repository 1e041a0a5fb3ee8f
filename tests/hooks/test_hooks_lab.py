"""The hooks loaded into the lab device's scenario apps, through a real mitmdump running
addons/labnet.py in front of the lab backend (nothing leaves loopback).

Each run: start the app at its gate, attach the agent, wait for "hooks:ready", release the
gate, drive the consent UI through the hooks' RPC, and compare what the hooks recorded with
what the app printed and what reached the backend.
"""

from __future__ import annotations

import base64
import re
import time
import urllib.parse
from typing import Callable

import pytest

from analyzer.devices.lab import LabApp
from analyzer.hooks import HookSession
from analyzer.models.events import ApiCallEvent, ConsentEvent, CryptoEvent, IdentifierEvent, LifecycleEvent, UiEvent

from analyzer.lab import launch as lab_launch
from analyzer.lab import scenarios as lab_scenarios
from analyzer.runner.quiet import end_when_quiet

pytestmark = pytest.mark.slow

LOCATION_API = "android.location.LocationManager.getLastKnownLocation"
# The late_sdk plugin's bundled OkHttp 2 pinner: check(String, Certificate...) takes an object array.
PLUGIN_PINNER = "com.squareup.okhttp.CertificatePinner.check"


@pytest.fixture(scope="module")
def network(lab_network):
    return lab_network


def run_hooked(network, scenario: str, drive: Callable[[object, HookSession], None] | None = None, *, config: dict | None = None, dialog_timeout_ms: int = 300, withdraw_timeout_ms: int = 300):
    """A run that a ``drive`` acts on gets a generous idle timer (only a bound: it ends once quiet)."""
    network.backend.clear()
    cmd = lab_launch.lab_command(scenario, proxy=network.proxy, truststore=network.truststore,
                                 dialog_timeout_ms=dialog_timeout_ms, withdraw_timeout_ms=withdraw_timeout_ms)
    app = lab_launch.LabProcess(cmd).start()
    session = HookSession(app.pid, config=config or {"batch_ms": 100})
    try:
        app.wait_for_line("LAB:WAITING", timeout=30)
        session.load()
        session.wait_ready(30)
        app.release_gate()
        if drive is not None:
            drive(app, session)
            running = LabApp(app, frida_device=None)
            assert end_when_quiet(running, flush_hooks=session.flush, events=lambda: len(session.events)), \
                "the app never went quiet"
            running.close_control()
        app.wait_for_line("LAB:DONE", timeout=60)
        assert app.wait(30) == 0, app.stderr()[-5:]
        session.wait_detached(10)
    finally:
        session.unload()
        app.terminate()
    return app, session


def click_when_shown(which: str) -> Callable[[object, HookSession], None]:
    def drive(app, session: HookSession) -> None:
        app.wait_for_line("LAB:DIALOG_SHOWN", timeout=30)
        # the app logs the dialog from inside show(); the hooks know it once show() returned
        deadline = time.monotonic() + 10
        while not session.click_dialog(which)["clicked"]:
            assert time.monotonic() < deadline, "the hooks found no dialog to click"
            time.sleep(0.1)
    return drive


def _base64_blobs(body: bytes) -> list[bytes]:
    """Every base64 token in a request body (URL-decoded first), decoded."""
    text = urllib.parse.unquote(body.decode("utf-8", "replace"))
    blobs = []
    for token in re.findall(r"[A-Za-z0-9+/_-]{16,}={0,2}", text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                blobs.append(decode(token + "=" * (-len(token) % 4)))
            except ValueError:
                pass
    return blobs


def consent_trail(session: HookSession) -> list[tuple]:
    return [(e.type, e.action, getattr(e, "source", None), getattr(e, "sdk", None), e.text)
            for e in session.events if isinstance(e, (UiEvent, ConsentEvent))]


def test_preconsent_leak_imei_read_by_umeng_before_the_dialog(network):
    profile = lab_scenarios.device_profile()
    app, session = run_hooked(network, "preconsent_leak", click_when_shown("positive"), dialog_timeout_ms=20000)

    imei = [e for e in session.events if isinstance(e, ApiCallEvent) and e.kind == "imei"]
    assert imei and all(e.ret == profile["imei"] for e in imei)
    assert any(f.startswith("com.umeng.") for e in imei for f in e.stack), imei[0].stack
    aid = [e for e in session.events if isinstance(e, ApiCallEvent) and e.kind == "android_id"]
    assert aid and aid[0].ret == profile["android_id"]
    assert ("imei", profile["imei"]) in {(e.kind, e.value) for e in session.events if isinstance(e, IdentifierEvent)}

    shown = next(e for e in session.events if isinstance(e, UiEvent) and e.action == "dialog_shown")
    assert shown.texts[:2] == ["用户协议与隐私政策", shown.texts[1]] and "隐私政策" in shown.texts[1]
    assert {"同意", "不同意"} <= set(shown.texts)
    assert min(e.first_ts or e.ts for e in imei) < shown.ts, "the IMEI is read before the dialog"

    trail = consent_trail(session)
    assert trail[:4] == [
        ("ui", "dialog_shown", None, None, "用户协议与隐私政策"),
        ("consent", "shown", "ui", None, "用户协议与隐私政策"),
        ("ui", "click", None, None, "同意"),
        ("consent", "granted", "ui", None, "同意"),
    ]
    assert any(t[1] == "granted" and t[2] == "sdk_api" and t[3] for t in trail[4:]), trail
    assert "accept" in app.lab_lines("CONSENT")
    digests = [e for e in session.events if isinstance(e, CryptoEvent) and e.op == "digest"]
    assert any(base64.b64decode(e.input_b64) == profile["imei"].encode() for e in digests)
    states = [e.state for e in session.events if isinstance(e, LifecycleEvent)]
    # the simulated user leaves with Home and the process is then ended as Android ends it
    # (killed, no Runtime.exit), so the last state the app itself reports is the background
    assert states[0] == "start" and "foreground" in states and states[-1] == "background"


def test_overfrequency_counts_match_the_app_exactly(network):
    app, session = run_hooked(network, "overfrequency")
    expected = app.counts()[LOCATION_API]
    assert expected > 100
    polls = [e for e in session.events if isinstance(e, ApiCallEvent) and e.api == LOCATION_API]
    assert sum(e.count for e in polls) == expected
    assert 1 < len(polls) < expected // 5
    background = [e.ts for e in session.events if isinstance(e, LifecycleEvent) and e.state == "background"]
    assert background, "the poller's app goes to the background"


def test_refusal_ignored_amap_location_after_refusal(network):
    app, session = run_hooked(network, "refusal_ignored", click_when_shown("negative"), dialog_timeout_ms=20000)
    refused = [e for e in session.events if isinstance(e, ConsentEvent) and e.action == "refused"]
    assert refused and refused[0].source == "ui" and refused[0].text == "不同意"
    after = [e for e in session.events if isinstance(e, ApiCallEvent) and e.kind == "location" and e.ts > refused[0].ts]
    assert after and any(f.startswith("com.amap.") for e in after for f in e.stack)
    assert "refuse" in app.lab_lines("CONSENT")


def test_encrypted_payload_plaintext_and_ciphertext(network):
    profile = lab_scenarios.device_profile()
    app, session = run_hooked(network, "encrypted_payload")
    aes = [e for e in session.events if isinstance(e, CryptoEvent) and e.op == "encrypt" and e.algorithm.startswith("AES")]
    assert aes, [e for e in session.events if e.type == "crypto"]
    plain = base64.b64decode(aes[0].input_b64)
    assert profile["imei"].encode() in plain
    ciphertext = base64.b64decode(aes[0].output_b64)
    sent = [blob for r in network.backend.requests for blob in _base64_blobs(r.body)]
    assert any(ciphertext in blob for blob in sent), "the hooked ciphertext is what the SDK sent"
    assert all(not any(f.startswith("sun.security.ssl") for f in e.stack) for e in session.events if isinstance(e, CryptoEvent))


def _click_text_when_shown(session, text: str, timeout: float = 30.0) -> None:
    """The driver's fallback: an in-process click by text, run on the app's main looper."""
    deadline = time.monotonic() + timeout
    while not session.click_view(text)["clicked"]:
        assert time.monotonic() < deadline, f"no view {text!r} to click"
        time.sleep(0.2)


def test_withdraw_clicks_the_settings_button(network):
    def drive(app, session):
        click_when_shown("positive")(app, session)
        _click_text_when_shown(session, "隐私设置")
        _click_text_when_shown(session, "撤回同意")

    app, session = run_hooked(network, "withdraw", drive, dialog_timeout_ms=20000, withdraw_timeout_ms=20000)
    actions = [(e.action, e.source) for e in session.events if isinstance(e, ConsentEvent)]
    assert actions.index(("granted", "ui")) < actions.index(("withdrawn", "ui"))
    assert "withdraw" in app.lab_lines("CONSENT")
    withdrawn_ts = next(e.ts for e in session.events if isinstance(e, ConsentEvent) and e.action == "withdrawn")
    sdk = [e for e in session.events if isinstance(e, ConsentEvent) and e.source == "sdk_api" and e.ts >= withdrawn_ts]
    assert sdk and all(e.action == "withdrawn" for e in sdk)


def test_pinned_requests_succeed_only_with_the_hooks(network):
    network.backend.clear()
    cmd = lab_launch.lab_command("pinned", proxy=network.proxy, truststore=network.truststore,
                                 dialog_timeout_ms=200, withdraw_timeout_ms=200)
    plain = lab_launch.LabProcess(cmd).start()
    try:
        plain.wait_for_line("LAB:WAITING", timeout=30)
        plain.release_gate()
        assert plain.wait(60) == 0
    finally:
        plain.terminate()
    assert {line.split(" ", 1)[0] for line in plain.lab_lines("PIN_FAILED")} == {"api.labshop.example", "pay.labshop.example"}
    assert not {r.path for r in network.backend.requests} & {"/v1/login", "/v1/pay"}

    app, session = run_hooked(network, "pinned")
    assert app.lab_lines("PIN_FAILED") == [], app.lines()
    paths = {(r.host, r.path) for r in network.backend.requests}
    assert ("api.labshop.example", "/v1/login") in paths and ("pay.labshop.example", "/v1/pay") in paths
    logs = [m.message for m in session.protocol if m.type == "log"]
    assert any("okhttp3.CertificatePinner.check" in m for m in logs)
    assert any("custom X509TrustManager" in m for m in logs)
    _custom_trust_manager_bypass_does_not_stall_the_app(app, session)  # on the same hooked run


def _timing_ms(app, name: str) -> float:
    """A "LAB:TIMING <name> <µs>us" line of the app, in milliseconds."""
    values = [rest.split(" ")[1] for rest in app.lab_lines("TIMING") if rest.split(" ")[0] == name]
    assert len(values) == 1 and values[0].endswith("us"), app.lines()
    return int(values[0][:-2]) / 1000


def _custom_trust_manager_bypass_does_not_stall_the_app(app, session) -> None:
    """The app's own X509TrustManager is hooked from inside SSLContext.init on the app's
    thread: the pay request, from init to its answer, must not wait for the agent's thread."""
    assert "200 POST https://pay.labshop.example/v1/pay" in app.lab_lines("HTTP"), app.lines()
    logs = [m.message for m in session.protocol if m.type == "log"]
    assert any("custom X509TrustManager" in m for m in logs)
    init_ms, total_ms = _timing_ms(app, "pay_tls_init"), _timing_ms(app, "pay_total")
    print(f"pinned pay: SSLContext.init {init_ms:.1f} ms, init to answer {total_ms:.1f} ms")
    assert total_ms < 1000, (init_ms, total_ms)


def test_api_tour_every_counted_api_recorded_exactly_with_canaries(network):
    from analyzer.hooks import make_canary

    canary = make_canary("api-tour")
    scenario = lab_scenarios.load_scenarios()["api_tour"]
    app, session = run_hooked(network, "api_tour", config={"canary": canary})
    calls = [e for e in session.events if isinstance(e, ApiCallEvent)]
    for api, count in scenario.counts.items():
        assert sum(e.count for e in calls if e.api == api) == count == app.counts()[api], api
    assert {e.ret for e in calls if e.api.endswith(".getImei")} == {canary["imei"]}
    assert {e.ret for e in calls if e.api == LOCATION_API} == {canary["location"]}
    assert {e.ret for e in calls if e.api.endswith("IdSupplierImpl.getOAID")} == {canary["oaid"]}
    kinds = {e.kind for e in calls if e.api == "android.content.ContentResolver.query"}
    assert "contacts" in kinds
    # the contact rows come back as data, and their values become contacts identifiers
    from analyzer.lab.scenarios import device_profile_full
    from analyzer.store import identifiers_in_event

    contacts = device_profile_full()["contacts"]

    rows = [e.ret for e in calls if e.api == "android.content.ContentResolver.query" and e.kind == "contacts"]
    assert rows and all(isinstance(r, list) and r and isinstance(r[0], dict) for r in rows), rows[:1]
    learned = {v for e in calls for k, v, _ in identifiers_in_event(e) if k == "contacts"}
    assert {c["name"] for c in contacts} | {c["number"] for c in contacts} <= learned
    sensitive_skipped = {m.target for m in session.skipped} & {f"{api}" for api in scenario.counts}
    assert not sensitive_skipped


def test_late_loaded_sdk_is_hooked_when_its_class_loader_appears(network):
    """late_sdk loads an AMap-like map SDK after start-up through a DexClassLoader over
    classes off the class path: its consent API cannot be found when the hooks start, and
    must be hooked before the SDK's first call."""
    from analyzer.hooks import HooksInstalled

    profile = lab_scenarios.device_profile()
    app, session = run_hooked(network, "late_sdk", click_when_shown("positive"), dialog_timeout_ms=20000)
    sdk_api = "com.amap.api.maps.MapsInitializer"
    ready = next(m for m in session.protocol if m.type == "hooks:ready")
    assert ready.pending >= 3
    late = {m.target: m for m in session.protocol if isinstance(m, HooksInstalled)}
    assert set(late) == {f"{sdk_api}.updatePrivacyAgree", f"{sdk_api}.updatePrivacyShow", PLUGIN_PINNER}
    assert all(m.late and m.loader == "dalvik.system.DexClassLoader" for m in late.values())
    assert not {m.target for m in session.skipped} & set(late)
    assert session.pending is not None and not set(session.pending) & set(late)

    consent = [e for e in session.events if isinstance(e, ConsentEvent) and e.api and e.api.startswith(sdk_api)]
    assert [(e.action, e.source, e.sdk, e.api) for e in consent] == [
        ("shown", "sdk_api", "amap", f"{sdk_api}.updatePrivacyShow"),
        ("granted", "sdk_api", "amap", f"{sdk_api}.updatePrivacyAgree"),
    ]
    # The SDK's first call right after loading was already caught, and the IMEI read names it.
    imei = [e for e in session.events if isinstance(e, ApiCallEvent) and e.kind == "imei"]
    assert len(imei) == 1 and imei[0].ret == profile["imei"]
    assert imei[0].stack[1].startswith(f"{sdk_api}.initialize("), imei[0].stack
    assert consent[0].ts <= imei[0].ts
    shown = next(e for e in session.events if isinstance(e, UiEvent) and e.action == "dialog_shown")
    assert imei[0].ts < shown.ts < consent[1].ts
    sent = [r for r in network.backend.requests if r.host == "restapi.amap.com"]
    assert sent and profile["imei"].encode() in sent[0].body


def test_late_hooked_method_with_an_object_array_parameter_works(network):
    """The plugin SDK pins its host with its bundled OkHttp 2 pinner through the varargs
    check(String, Certificate...): hooked late, the hook must convert the Certificate[]
    argument (a loader's own class factory cannot), bypass the check, and let the SDK's
    request through; a throwing hook would crash the SDK's call (LAB:CRASHED)."""
    from analyzer.hooks import HooksInstalled

    app, session = run_hooked(network, "late_sdk")
    late = {m.target: m for m in session.protocol if isinstance(m, HooksInstalled)}
    assert PLUGIN_PINNER in late and late[PLUGIN_PINNER].late
    logs = [m.message for m in session.protocol if m.type == "log"]
    assert f"pinning bypassed: {PLUGIN_PINNER} (restapi.amap.com)" in logs, logs
    assert not [m for m in session.protocol if m.type == "hooks:error"]
    failures = app.lab_lines("CRASHED") + app.lab_lines("PIN_FAILED") + app.lab_lines("HTTP_FAILED")
    assert failures == [], app.stderr()[-5:]
    assert "200 POST https://restapi.amap.com/v3/config/district" in app.lab_lines("HTTP")
    assert [r.path for r in network.backend.requests if r.host == "restapi.amap.com"] == ["/v3/config/district"]
