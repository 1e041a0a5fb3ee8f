"""Timeline, attribution and rule-engine units (no store)."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.attribution import default_signatures, package_organisation, registrable_domain
from analyzer.correlate import ConsentTimeline, ForegroundTimeline, classify_click
from analyzer.rules import RulesetError, available_rulesets, load_ruleset, read_rules_config
from analyzer.rules.engine import peak_window
from analyzer.models.events import StoredEvent
from analyzer.store.types import from_epoch_ms

T = 1_767_225_600_000.0


def Row(seq: int, at: float, data: dict[str, Any], origin: str = "hook", type: str = "consent") -> StoredEvent:
    """An event as the store gives it back, ``at`` ms after T (no clock offset)."""
    return StoredEvent(seq, type, from_epoch_ms(T + at), T + at, origin, {"type": type, "ts": T + at, **data})


def consent(seq, at, action, source="ui", origin="hook"):
    return Row(seq, at, {"action": action, "source": source}, origin)


@pytest.mark.parametrize("text,action", [
    ("同意", "granted"), ("不同意", "refused"), ("撤回同意", "withdrawn"), ("同意并继续", "granted"),
    ("Disagree", "refused"), ("I Agree", "granted"), ("暂不使用", "refused"), ("设置", None), ("", None), (None, None),
])
def test_classify_click(text, action):
    assert classify_click(text) == action


def test_phases_follow_the_state_machine():
    tl = ConsentTimeline.build([consent(1, 0, "shown"), consent(2, 100, "granted"), consent(3, 200, "refused"), consent(4, 300, "granted")])
    assert [t.after for t in tl.transitions] == ["post_consent", "post_withdrawal", "post_consent"]
    assert tl.place(T + 50, "device").phase == "pre_consent"  # shown changes nothing
    assert tl.place(T + 250, "device").phase == "post_withdrawal"
    assert tl.place(T + 400, "device").phase == "post_consent"


def test_withdraw_without_grant_is_a_refusal_and_repeats_are_not_transitions():
    tl = ConsentTimeline.build([consent(1, 0, "withdrawn"), consent(2, 10, "refused"), consent(3, 20, "refused")])
    assert len(tl.transitions) == 1 and tl.place(T + 100, "device").phase == "post_refusal"


def test_click_counts_only_without_a_nearby_explicit_event():
    clicks = [Row(5, 1000, {"action": "click", "text": "同意"}, type="ui"), Row(6, 9000, {"action": "click", "text": "撤回同意"}, type="ui")]
    tl = ConsentTimeline.build([consent(1, 1001, "granted")], clicks)
    assert [(t.mark.seq, t.after) for t in tl.transitions] == [(1, "post_consent"), (6, "post_withdrawal")]
    assert tl.transitions[1].mark.derived_from_click


def test_sdk_api_marks_are_ignored_when_the_user_side_exists():
    tl = ConsentTimeline.build([consent(1, 0, "granted", source="sdk_api"), consent(2, 500, "granted")])
    assert tl.basis == "user" and tl.place(T + 100, "device").phase == "pre_consent"
    assert len(tl.marks) == 2


def test_ambiguity_window_depends_on_the_clocks():
    tl = ConsentTimeline.build([consent(1, 1000, "granted")], uncertainty_ms=40, floor_ms=5)
    assert tl.place(T + 1030, "workstation").phase == "ambiguous"
    assert tl.place(T + 1030, "workstation").sides == ("pre_consent", "post_consent")
    assert tl.place(T + 1030, "device").phase == "post_consent"
    # same clock: ordered exactly, only the very same millisecond is ambiguous
    assert tl.place(T + 1002, "device").phase == "post_consent"
    assert tl.place(T + 998, "device").phase == "pre_consent"
    assert tl.place(T + 1000, "device").phase == "ambiguous"
    assert tl.place(T + 1046, "workstation").phase == "post_consent"
    manual = ConsentTimeline.build([consent(1, 1000, "granted", source="manual", origin="manual")], uncertainty_ms=40)
    assert manual.place(T + 1030, "workstation").phase == "post_consent"
    assert manual.place(T + 1030, "device").phase == "ambiguous"


def test_foreground_grace_and_unknown_start():
    rows = [Row(1, 0, {"state": "foreground"}, type="lifecycle"), Row(2, 1000, {"state": "background"}, type="lifecycle"),
            Row(3, 1200, {"state": "foreground"}, type="lifecycle"), Row(4, 5000, {"state": "background"}, type="lifecycle")]
    fg = ForegroundTimeline.build(rows, grace_ms=1000)
    assert fg.state_at(T - 10, "device") == "unknown"
    assert fg.state_at(T + 500, "device") == "foreground"
    assert fg.state_at(T + 1100, "device") == "unknown"  # a pause between activities
    assert fg.state_at(T + 5500, "device") == "unknown"
    assert fg.state_at(T + 6500, "device") == "background"


def test_peak_window_counts_exactly():
    # 8 batches of 25 calls, 10 ms apart: 200 calls within 2 s
    batches = [(i * 250.0, i * 250.0 + 240.0, 25) for i in range(8)]
    peak = peak_window(batches, 10_000)
    assert peak.total == 200 and peak.count == 200
    spread = peak_window([(i * 1000.0, i * 1000.0, 1) for i in range(30)], 10_000)
    assert spread.total == 30 and spread.count == 10
    assert peak_window([], 1000) is None
    assert peak_window([(0.0, 0.0, 7)], 1000).count == 7


def test_stack_attribution():
    sig = default_signatures()
    assert sig.sdk_for_stack(["java.lang.Thread.getStackTrace(Thread.java:1)", "android.telephony.TelephonyManager.getImei(T.java:1)",
                              "com.umeng.commonsdk.X.y(X.java:1)", "com.labshop.App.onCreate(App.java:1)"], "com.labshop").id == "umeng"
    # the app's own code reached first: the app called, not the SDK further down
    assert sig.sdk_for_stack(["com.labshop.api.Client.h(C.java:1)", "com.umeng.X.y(X.java:1)"], "com.labshop") is None
    # libraries that are neither framework nor SDK are looked through
    assert sig.sdk_for_stack(["okhttp3.Call.execute(Call.java:1)", "cn.jiguang.a.b(B.java:1)"], "com.labshop").id == "jpush"
    assert sig.sdk_for_stack(["java.base/java.lang.Foo.bar(Foo.java:1)", "com.google.android.gms.measurement.A.b(A.java:1)"]).id == "firebase"
    assert sig.sdk_for_stack(["com.facebook.react.bridge.X.y(X.java:1)", "io.branch.referral.B.c(B.java:1)"]).id == "branch"
    assert sig.sdk_for_class("com.umengx.Foo") is None


@pytest.mark.parametrize("host,sdk", [
    ("ulogs.umeng.com", "umeng"), ("restapi.amap.com", "amap"), ("loc.map.baidu.com", "baidu-location"),
    ("www.baidu.com", None), ("firebaseinstallations.googleapis.com", "firebase"), ("www.googleapis.com", None),
    ("graph.facebook.com", "facebook"), ("app.adjust.net.in", "adjust"), ("mi.gdt.qq.com", "gdt"), ("qq.com", None),
    ("notumeng.com", None), ("api2.branch.io", "branch"), ("t.appsflyersdk.com", "appsflyer"),
])
def test_host_attribution(host, sdk):
    found = default_signatures().sdk_for_host(host)
    assert (found.id if found else None) == sdk


def test_party_and_domains():
    sig = default_signatures()
    assert registrable_domain("a.b.example.com.cn") == "example.com.cn"
    assert registrable_domain("api.labshop.example") == "labshop.example"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert package_organisation("com.labshop.leaky") == "labshop"
    assert package_organisation("single") is None
    assert sig.party_of("cdn.labshop.example", first_party_domains=["api.labshop.example"]).party == "first"
    assert sig.party_of("ulogs.umeng.com", first_party_domains=["labshop.example"]).basis == "sdk_host"
    assert sig.party_of("x.other.example", first_party_domains=["labshop.example"]).party == "third"
    assert sig.party_of("x.other.example").party == "unknown"
    assert sig.party_of("m.labshop.cn", app_package="com.labshop.leaky").basis == "package_heuristic"


def test_rulesets(tmp_path):
    assert available_rulesets()[-1] == "2026.11.1"
    rs = load_ruleset()
    assert len(rs.rule_ids) == 10
    for rule in rs.rules:
        assert rule["title"] and rule["title_zh"] and rule["severity"] in ("high", "medium", "low") and rule["clauses"]
    assert rs.rule("pre-consent-transmission")["clauses"][0]["ref"] == "三.1"
    with pytest.raises(RulesetError, match="unknown ruleset"):
        load_ruleset("1999.1.1")
    with pytest.raises(RulesetError, match="max_calls"):
        rs.config({"over_frequency": {"max_calls": 0}})
    with pytest.raises(RulesetError, match="unknown rule"):
        rs.config({"disabled_rules": ["nope"]})
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe{")
    with pytest.raises(RulesetError, match="not UTF-8"):
        read_rules_config(bad)
    bad.write_text("[1]")
    with pytest.raises(RulesetError, match="JSON object"):
        read_rules_config(bad)
    with pytest.raises(RulesetError, match="cannot read"):
        read_rules_config(tmp_path / "missing.json")
