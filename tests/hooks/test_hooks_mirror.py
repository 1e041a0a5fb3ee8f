"""The hooks in a real JVM that merely mirrors a few Android class names (fixtures/mirror).

Real Frida, real javac/java: each test launches the mirror program at its stdin start gate,
attaches the agent, and asserts what the hooks recorded against what the program printed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import time
from pathlib import Path

import frida
import pytest

from analyzer.hooks import HookSession, HookSessionError, build_agent_source, luhn_valid, make_canary
from analyzer.hooks.protocol import HooksPending, HooksSkipped, UnparsedMessage
from analyzer.models.events import ApiCallEvent, ConsentEvent, CryptoEvent, IdentifierEvent, LifecycleEvent, UiEvent, parse_event

from hooks_testlib import launch_gated

pytestmark = pytest.mark.slow

LOCATION_API = "android.location.LocationManager.getLastKnownLocation"


def _drive_consent(app, session, *, button: str, withdraw: bool) -> None:
    app.wait_line("LAB:MD5")
    deadline = time.monotonic() + 10
    while not any(e.type == "ui" and e.action == "dialog_shown" for e in session.events):
        assert time.monotonic() < deadline, "dialog never shown"
        time.sleep(0.02)
    assert session.click_dialog(button)["clicked"] is True
    if withdraw:
        app.wait_line("LAB:WITHDRAW_SHOWN")
        assert session.click_view("撤回同意")["clicked"] is True


def test_records_apis_consent_crypto_lifecycle_with_exact_counts(run_mirror):
    polls = 2345
    app, session = run_mirror("--polls", str(polls), "--dialog-timeout-ms", "10000", "--withdraw-timeout-ms", "10000", config={"batch_ms": 20})
    app.go()
    _drive_consent(app, session, button="positive", withdraw=True)
    assert app.finish() == 0
    assert session.wait_detached(10)

    printed = app.values("VALUE")
    calls = [e for e in session.events if isinstance(e, ApiCallEvent)]

    # Read once at start-up and once inside the 同意 listener (run by the RPC click).
    imei_calls = sorted((e for e in calls if e.api == "android.telephony.TelephonyManager.getImei"), key=lambda e: e.ts)
    assert [e.ret for e in imei_calls] == [printed["imei"]] * 2
    assert all(e.kind == "imei" and e.count == 1 for e in imei_calls)
    assert all(e.stack[0].startswith("android.telephony.TelephonyManager.getImei") for e in imei_calls)
    assert all(any(f.startswith("com.umeng.analytics.DeviceCollector.collectImei") for f in e.stack) for e in imei_calls)
    assert any("lambda" in f for f in imei_calls[1].stack) and not any("lambda" in f for f in imei_calls[0].stack)

    aid = [e for e in calls if e.api == "android.provider.Settings$Secure.getString"]
    assert aid and aid[0].kind == "android_id" and aid[0].ret == printed["android_id"] and aid[0].args[1] == "android_id"

    # Batched: several flushes during the poll, and the counts add up exactly.
    loc = [e for e in calls if e.api == LOCATION_API]
    assert sum(e.count for e in loc) == int(app.values("COUNT")[LOCATION_API]) == polls
    assert all(e.ret == "31.2304,121.4737" and e.kind == "location" for e in loc)
    assert all(e.first_ts is not None and e.first_ts <= e.ts for e in loc)
    assert len(loc) < polls // 10, "one event per call instead of batches"

    idents = {(e.kind, e.value) for e in session.events if isinstance(e, IdentifierEvent) and e.source == "hook"}
    assert {("imei", printed["imei"]), ("android_id", printed["android_id"]), ("location", "31.2304,121.4737")} <= idents
    assert sum(1 for e in session.events if isinstance(e, IdentifierEvent) and e.kind == "location") == 1

    # The AES plaintext/ciphertext pair, the MD5 digest and the base64 encoding.
    crypto = [e for e in session.events if isinstance(e, CryptoEvent)]
    aes = [e for e in crypto if e.algorithm == "AES/CBC/PKCS5Padding"]
    assert len(aes) == 1 and aes[0].op == "encrypt"
    assert base64.b64decode(aes[0].input_b64) == b'{"imei":"490154203237518"}'
    cipher_line = next(line for line in app.lines if line.startswith("LAB:CIPHER "))
    assert aes[0].output_b64 == cipher_line.split(" ", 1)[1]
    md5 = [e for e in crypto if e.op == "digest" and e.algorithm == "MD5"]
    assert len(md5) == 1 and base64.b64decode(md5[0].input_b64) == b"490154203237518"
    assert base64.b64decode(md5[0].output_b64) == hashlib.md5(b"490154203237518").digest()
    enc = [e for e in crypto if e.op == "encode"]
    assert len(enc) == 1 and base64.b64decode(enc[0].output_b64).decode() == cipher_line.split(" ", 1)[1]
    assert all(any(f.startswith("fixture.MirrorApp") for f in e.stack) for e in crypto)

    # Consent signals in order: dialog shown, 同意 clicked, SDK grant, 撤回同意 clicked, SDK revoke.
    signals = [
        (e.type, getattr(e, "action", None), getattr(e, "source", None), getattr(e, "text", None))
        for e in session.events
        if isinstance(e, (UiEvent, ConsentEvent))
    ]
    granted_ts = next(e.ts for e in session.events if isinstance(e, ConsentEvent) and e.action == "granted")
    assert imei_calls[0].ts < granted_ts <= imei_calls[1].ts
    assert signals == [
        ("ui", "dialog_shown", None, "同意"),
        ("consent", "shown", "ui", "同意"),
        ("ui", "click", None, "同意"),
        ("consent", "granted", "ui", "同意"),
        ("consent", "granted", "sdk_api", None),
        ("ui", "click", None, "撤回同意"),
        ("consent", "withdrawn", "ui", "撤回同意"),
        ("consent", "withdrawn", "sdk_api", None),
    ]
    shown = next(e for e in session.events if isinstance(e, UiEvent) and e.action == "dialog_shown")
    assert shown.texts == ["同意", "不同意"] and shown.view == "android.app.AlertDialog"
    sdk = [e for e in session.events if isinstance(e, ConsentEvent) and e.source == "sdk_api"]
    assert {e.sdk for e in sdk} == {"umeng"} and sdk[0].api == "com.umeng.commonsdk.UMConfigure.submitPolicyGrantResult"
    assert "LAB:CHOICE accept" in app.lines

    states = [(e.state, e.component) for e in session.events if isinstance(e, LifecycleEvent)]
    assert states == [
        ("start", "fixture.MirrorApp$FixtureApplication"),
        ("foreground", "fixture.MirrorApp$MainActivity"),
        ("background", "fixture.MirrorApp$MainActivity"),
        ("exit", "java.lang.Runtime"),
    ]

    # Graceful degradation: what this JVM lacks is reported once each, nothing failed.
    skipped = {m.target: m.reason for m in session.protocol if isinstance(m, HooksSkipped)}
    assert skipped["android.os.Build.getSerial"] == "class not found"
    assert skipped["android.telephony.TelephonyManager.getMeid"] == "method not found"
    assert skipped["libssl.so!SSL_CTX_set_custom_verify"] == "module not loaded (hooked when it loads)"
    assert len(skipped) == len([m for m in session.protocol if isinstance(m, HooksSkipped)])
    assert not [m for m in session.protocol if isinstance(m, UnparsedMessage)]
    assert not [m for m in session.protocol if m.type == "hooks:error"]


def test_canary_identities_replace_device_values(run_mirror):
    canary = make_canary("test-session-1")
    assert luhn_valid(canary["imei"])
    app, session = run_mirror("--polls", "7", "--dialog-timeout-ms", "10000", config={"canary": canary, "batch_ms": 60000})
    app.go()
    _drive_consent(app, session, button="negative", withdraw=False)
    assert app.finish() == 0
    session.wait_detached(10)

    printed = app.values("VALUE")
    assert printed["imei"] == canary["imei"], "the app must see the canary, not the device IMEI"
    assert printed["android_id"] == canary["android_id"]
    calls = [e for e in session.events if isinstance(e, ApiCallEvent)]
    assert next(e for e in calls if e.api.endswith("getImei")).ret == canary["imei"]
    # batch_ms is a minute: only the flush at exit delivered these, and exactly.
    assert sum(e.count for e in calls if e.api == LOCATION_API) == 7
    assert all(e.ret == canary["location"] for e in calls if e.api == LOCATION_API)
    canaries = {(e.kind, e.value) for e in session.events if isinstance(e, IdentifierEvent) and e.source == "canary"}
    assert ("imei", canary["imei"]) in canaries and ("location", canary["location"]) in canaries
    assert not any(isinstance(e, IdentifierEvent) and e.value == "490154203237518" for e in session.events)

    consent = [(e.action, e.source) for e in session.events if isinstance(e, ConsentEvent)]
    assert consent == [("shown", "ui"), ("refused", "ui"), ("refused", "sdk_api")]
    assert "LAB:CHOICE refuse" in app.lines


def test_category_selection_and_rpc_errors(run_mirror):
    app, session = run_mirror("--polls", "3", "--dialog-timeout-ms", "300", categories=["sensitive"])
    status = session.status()
    assert status["initialized"] and status["installed"]
    with pytest.raises(HookSessionError, match="click_dialog_button"):
        session.click_dialog("positive")
    with pytest.raises(HookSessionError):
        session.click_dialog("sideways")  # type: ignore[arg-type]
    app.go()
    assert app.finish() == 0
    session.wait_detached(10)
    types = {e.type for e in session.events}
    assert "api_call" in types and not types & {"consent", "ui", "crypto"}
    assert {e.state for e in session.events if isinstance(e, LifecycleEvent)} == {"exit"}  # core only


def test_detach_is_reported_and_rpc_fails_cleanly(run_mirror):
    reasons: list[str] = []
    app, session = run_mirror("--dialog-timeout-ms", "60000")
    session.on_detached = reasons.append
    app.go()
    app.wait_line("LAB:MD5")
    app.kill()
    assert session.wait_detached(10)
    assert reasons and reasons[0] == "process-terminated"
    with pytest.raises(HookSessionError, match="not loaded"):
        session.flush()


def test_standalone_bundle_self_inits_and_prints_json_lines(mirror_classes):
    """Without a host calling init(), the agent starts itself and console.logs each event."""
    app = launch_gated(["java", "-cp", str(mirror_classes), "fixture.MirrorApp", "--polls", "5", "--dialog-timeout-ms", "200"])
    logs: list[str] = []
    sent: list[dict] = []
    try:
        fsession = frida.attach(app.proc.pid)
        script = fsession.create_script(build_agent_source())
        script.set_log_handler(lambda level, text: logs.append(text))
        script.on("message", lambda m, d: sent.append(m))
        script.load()
        deadline = time.monotonic() + 15
        while not any(m.get("payload", {}).get("type") == "hooks:ready" for m in sent):
            assert time.monotonic() < deadline, sent[-3:]
            time.sleep(0.05)
        app.go()
        assert app.finish() == 0
    finally:
        app.kill()
    events = [parse_event(json.loads(line)) for line in logs]
    assert any(isinstance(e, ApiCallEvent) and e.api.endswith("getImei") for e in events)
    assert sum(e.count for e in events if isinstance(e, ApiCallEvent) and e.api == LOCATION_API) == 5
    assert any(isinstance(e, LifecycleEvent) and e.state == "exit" for e in events)


def test_flush_rpc_and_unload_deliver_exact_pending_counts(run_mirror):
    app, session = run_mirror("--polls", "321", "--dialog-timeout-ms", "60000", config={"batch_ms": 60000})
    app.go()
    app.wait_line("LAB:MD5")
    assert session.flush() >= 1  # a minute-long batch window: only flush() sends them now
    deadline = time.monotonic() + 5
    while sum(e.count for e in session.events if isinstance(e, ApiCallEvent) and e.api == LOCATION_API) < 321:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert sum(e.count for e in session.events if isinstance(e, ApiCallEvent) and e.api == LOCATION_API) == 321

    app2, session2 = run_mirror("--polls", "55", "--dialog-timeout-ms", "60000", config={"batch_ms": 60000})
    app2.go()
    app2.wait_line("LAB:MD5")
    session2.unload()  # the agent's dispose flushes what is pending
    assert sum(e.count for e in session2.events if isinstance(e, ApiCallEvent) and e.api == LOCATION_API) == 55


def test_boringssl_custom_verify_is_bypassed_in_a_native_process(tmp_path):
    """A native process with a libssl.so exporting BoringSSL's custom-verify API: the app's
    rejecting callback is swapped for one that accepts; no Java VM, Java targets skipped."""
    import shutil

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    src = Path(__file__).parent / "fixtures" / "boringssl_stub"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(tmp_path / "libssl.so"), str(src / "libssl.c")], check=True, timeout=60)
    subprocess.run(["gcc", "-o", str(tmp_path / "pinned_app"), str(src / "pinned_app.c"), f"-L{tmp_path}", "-lssl",
                    "-Wl,-rpath,$ORIGIN"], check=True, timeout=60)

    plain = subprocess.run([str(tmp_path / "pinned_app")], input="go\n", capture_output=True, text=True, timeout=30)
    assert "LAB:VERIFY ctx 1" in plain.stdout and "LAB:VERIFY ssl 1" in plain.stdout

    app = launch_gated([str(tmp_path / "pinned_app")])
    session = HookSession(app.proc.pid, categories=["unpinning"])
    try:
        session.load()
        session.wait_ready(20)
        app.go()
        assert app.finish() == 0
    finally:
        session.unload()
        app.kill()
    assert "LAB:VERIFY ctx 0" in app.lines and "LAB:VERIFY ssl 0" in app.lines
    logs = [m.message for m in session.protocol if m.type == "log"]
    assert any("libssl.so!SSL_CTX_set_custom_verify" in m for m in logs)
    assert any("libssl.so!SSL_set_custom_verify" in m for m in logs)
    skipped = {m.target: m.reason for m in session.skipped}
    assert skipped["okhttp3.CertificatePinner.check"] == "no Java runtime in this process"
    assert not any(t.startswith("libssl.so!") for t in skipped)


def test_missing_app_classes_wait_for_a_class_loader_platform_ones_are_skipped(run_mirror):
    """At spawn only the platform is loaded: a missing framework class can never appear
    (skipped at once), a missing app/SDK class may come with a later class loader (pending)."""
    app, session = run_mirror("--polls", "2", "--dialog-timeout-ms", "300")
    ready = session.wait_ready(1)
    status = session.status()
    assert "okhttp3.CertificatePinner.check" in status["pending"]
    assert "com.amap.api.maps.MapsInitializer.updatePrivacyAgree" in status["pending"]
    assert ready.pending == len(status["pending"])
    skipped = {m.target: m.reason for m in session.skipped}
    assert skipped["android.os.Build.getSerial"] == "class not found"
    assert not set(status["pending"]) & set(skipped)
    # No class loader watch on HotSpot's loadClass (replacing it hangs the VM).
    assert skipped["java.lang.ClassLoader.loadClass"] == "not hooked on HotSpot"
    app.go()
    assert app.finish() == 0
    session.wait_detached(10)
    summary = [m for m in session.protocol if isinstance(m, HooksPending)]
    assert len(summary) == 1 and set(summary[0].targets) == set(status["pending"]) and summary[0].late_installed == 0
    assert session.pending == summary[0].targets
    assert not session.late_installed


def test_boringssl_in_a_library_loaded_later_is_bypassed(tmp_path):
    """cronet and Flutter bundle their own BoringSSL and are loaded after start-up: the
    module-load watch hooks their custom-verify export when they appear."""
    import shutil

    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    src = Path(__file__).parent / "fixtures" / "boringssl_stub"
    library = tmp_path / "libcronet.114.0.5735.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(library), str(src / "libssl.c")], check=True, timeout=60)
    subprocess.run(["gcc", "-o", str(tmp_path / "late_app"), str(src / "late_app.c"), "-ldl"], check=True, timeout=60)

    app = launch_gated([str(tmp_path / "late_app"), str(library)])
    session = HookSession(app.proc.pid, categories=["unpinning"])
    try:
        session.load()
        session.wait_ready(20)
        app.go()
        assert app.finish() == 0
    finally:
        session.unload()
        app.kill()
    assert "LAB:VERIFY ctx 0" in app.lines, app.lines
    logs = [m.message for m in session.protocol if m.type == "log"]
    assert any("SSL_CTX_set_custom_verify (libcronet.114.0.5735.so)" in m for m in logs), logs
