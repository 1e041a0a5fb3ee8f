"""Fast tests of the Python side: canaries, target tables, bundling, the protocol union,
message dispatch robustness and the ``consentry hooks`` commands."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.hooks import HookConfig, HookSession, build_agent_source, categories, list_targets, luhn_valid, make_canary
from analyzer.hooks.canary import luhn_check_digit
from analyzer.hooks.protocol import HooksExiting, HooksReady, HooksSkipped, UnparsedMessage, parse_protocol
from analyzer.hooks.targets import hooks_dir, load_tables
from analyzer.models.events import PII_KINDS, ApiCallEvent

from inprocess import run_cli


# ---- canaries ------------------------------------------------------------------------

def test_luhn_known_values():
    assert luhn_valid("356938035643809")  # the lab device's IMEI
    assert luhn_valid("490154203237518")
    assert not luhn_valid("490154203237519")
    assert luhn_check_digit("35693803564380") == "9"


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.integers(), st.text(max_size=30)))
def test_canary_values_are_valid_and_deterministic(seed):
    canary = make_canary(seed)
    assert canary == make_canary(seed)
    assert set(canary) <= set(PII_KINDS)
    assert re.fullmatch(r"\d{15}", canary["imei"]) and luhn_valid(canary["imei"])
    assert luhn_valid(canary["iccid"]) and canary["iccid"].startswith("8986")
    assert re.fullmatch(r"[0-9a-f]{16}", canary["android_id"])
    mac = canary["mac"]
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", mac)
    first = int(mac[:2], 16)
    assert first & 0x02 and not first & 0x01, "locally administered unicast"
    lat, lon = map(float, canary["location"].split(","))
    assert -90 <= lat <= 90 and -180 <= lon <= 180


def test_canaries_differ_between_sessions():
    a, b = make_canary("session-a"), make_canary("session-b")
    assert all(a[k] != b[k] for k in ("imei", "android_id", "mac", "location", "oaid"))


def test_hook_config_validates():
    assert HookConfig().batch_ms == 250 and HookConfig().exit_handshake is True
    with pytest.raises(ValueError):
        HookConfig(batch_ms=1)
    with pytest.raises(ValueError):
        HookConfig(canary={"location": "north"})
    with pytest.raises(ValueError):
        HookConfig.model_validate({"bogus": 1})


# ---- tables and bundle ------------------------------------------------------------------

def test_every_category_script_exists_and_core_is_always_loaded():
    tables = load_tables()["categories"]
    for name, table in tables.items():
        assert (hooks_dir() / table["script"]).is_file(), name
        assert table["targets"], name
    assert "core" not in categories()
    assert {"sensitive", "consent", "crypto", "lifecycle", "unpinning"} == set(categories())
    assert [t.category for t in list_targets(["crypto"])][0] == "core"


def test_contract_targets_are_listed():
    names = {t.target for t in list_targets()}
    for required in (
        "android.telephony.TelephonyManager.getImei", "android.provider.Settings$Secure.getString",
        "android.location.LocationManager.getLastKnownLocation", "java.net.NetworkInterface.getHardwareAddress",
        "android.content.ContentResolver.query", "android.app.Dialog.show", "android.view.View.performClick",
        "com.umeng.commonsdk.UMConfigure.submitPolicyGrantResult", "javax.crypto.Cipher.doFinal",
        "java.security.MessageDigest.digest", "android.util.Base64.encodeToString", "android.app.Application.onCreate",
        "okhttp3.CertificatePinner.check", "javax.net.ssl.SSLContext.init", "libssl.so!SSL_CTX_set_custom_verify",
    ):
        assert required in names, required


def test_bundle_contains_bridge_tables_and_only_selected_scripts():
    full = build_agent_source()
    assert "globalThis.Java = bridge;" in full and full.index("globalThis.Java") < full.index("const Consentry")
    assert full.rstrip().endswith("Consentry.start();")
    only = build_agent_source(["crypto"])
    tables = json.loads(re.search(r"const CONSENTRY_TARGETS = (.*);\n", only).group(1))
    assert set(tables["categories"]) == {"core", "crypto"}
    assert "// ---- crypto.js ----" in only and "// ---- consent.js ----" not in only
    with pytest.raises(ValueError, match="unknown hook category 'nope'"):
        build_agent_source(["nope"])


# ---- protocol and dispatch --------------------------------------------------------------

def test_protocol_union():
    assert isinstance(parse_protocol({"type": "hooks:ready", "targets": 3}), HooksReady)
    assert isinstance(parse_protocol({"type": "hooks:skipped", "target": "a.B.c", "reason": "class not found"}), HooksSkipped)
    assert isinstance(parse_protocol({"type": "hooks:exiting", "status": 0}), HooksExiting)
    bad = parse_protocol({"type": "hooks:ready", "targets": -1})
    assert isinstance(bad, UnparsedMessage) and "targets" in bad.reason


def test_dispatch_never_raises_and_keeps_bad_messages():
    seen = []

    def explode(event):
        seen.append(event)
        raise RuntimeError("consumer bug")

    session = HookSession(1, on_event=explode)
    session._handle_message({"type": "send", "payload": {"type": "api_call", "ts": 1.0, "api": "x.Y.z", "count": 3}}, None)
    session._handle_message({"type": "send", "payload": {"type": "api_call", "ts": 1.0}}, None)  # no api
    session._handle_message({"type": "send", "payload": "not an object"}, None)
    session._handle_message({"type": "send", "payload": {"type": "brand_new", "ts": 2}}, None)
    session._handle_message({"type": "error", "description": "ReferenceError: x is not defined", "stack": "..."}, None)
    session._handle_message({"type": "weird"}, None)
    session._handle_message({"type": "send", "payload": {"type": "hooks:ready", "targets": 5}}, None)

    assert isinstance(seen[0], ApiCallEvent) and seen[0].count == 3
    assert [e.type for e in session.events] == ["api_call", "brand_new"]
    reasons = [m.reason for m in session.protocol if isinstance(m, UnparsedMessage)]
    assert any("consumer bug" in r for r in reasons)
    assert any("invalid api_call event: api" in r for r in reasons)
    assert any("not a JSON object" in r for r in reasons)
    assert any("ReferenceError" in r for r in reasons)
    assert any("'weird'" in r for r in reasons)
    assert session.wait_ready(0.1).targets == 5


def test_rpc_without_agent_is_a_clear_error():
    from analyzer.hooks import HookSessionError

    with pytest.raises(HookSessionError, match="not loaded"):
        HookSession(1).click_view("同意")


def test_attach_to_missing_pid_is_a_clear_error():
    from analyzer.hooks import HookSessionError

    with pytest.raises(HookSessionError, match="cannot attach"):
        HookSession(2**22 + 12345).load()


# ---- CLI -------------------------------------------------------------------------------

def test_cli_list_json_groups_by_category():
    result = run_cli("hooks", "list", "--json")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    assert list(listing) == ["core", "sensitive", "consent", "crypto", "lifecycle", "unpinning"]
    imei = next(t for t in listing["sensitive"] if t["target"] == "android.telephony.TelephonyManager.getImei")
    assert imei["kind"] == "imei"


def test_cli_list_table_and_bundle(tmp_path):
    table = run_cli("hooks", "list", "--category", "unpinning")
    assert table.returncode == 0 and "okhttp3.CertificatePinner.check" in table.stdout and "getImei" not in table.stdout
    out = tmp_path / "agent.js"
    result = run_cli("hooks", "bundle", "--output", str(out), "--category", "sensitive", "--category", "consent")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "// ---- consent.js ----" in text and "// ---- crypto.js ----" not in text


@pytest.mark.parametrize("args, message", [
    (("hooks", "bundle", "--category", "nope"), "unknown hook category 'nope'"),
    (("hooks", "list", "-c", "nope"), "unknown hook category 'nope'"),
    (("hooks", "bundle", "--output", "/nonexistent-dir/agent.js"), "cannot write /nonexistent-dir/agent.js"),
])
def test_cli_errors_are_one_line(args, message):
    result = run_cli(*args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("consentry: error: ") and message in lines[0]


def test_late_hook_protocol_messages_parse():
    from analyzer.hooks import HooksInstalled, HooksPending

    installed = parse_protocol({"type": "hooks:installed", "target": "a.B.c", "late": True, "loader": "java.net.URLClassLoader"})
    assert isinstance(installed, HooksInstalled) and installed.late and installed.loader == "java.net.URLClassLoader"
    pending = parse_protocol({"type": "hooks:pending", "targets": ["okhttp3.CertificatePinner.check"], "late_installed": 2})
    assert isinstance(pending, HooksPending) and pending.targets == ["okhttp3.CertificatePinner.check"]
    assert parse_protocol({"type": "hooks:installed"}).type == "unparsed"
    assert parse_protocol({"type": "hooks:ready", "targets": 3, "pending": 2}).pending == 2
