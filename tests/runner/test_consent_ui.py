"""The consent driver on recorded uiautomator dumps, with a test clock (nothing sleeps)."""

from __future__ import annotations

import json

import pytest

from analyzer.runner.consent import ConsentDriver, parse_consent_plan, read_screen
from analyzer.runner.lexicon import LexiconError, load_lexicon
from analyzer.runner.uitree import UiDumpError, normalise, parse_ui_dump
from tests.runner.fake_ui import DEVICE_EPOCH_MS, FakeClock, FakePhoneUi, MemoryEvidence, screen

SHOP = {
    ("shop_dialog", "同意"): "shop_home",
    ("shop_dialog", "不同意"): "shop_refuse_again",
    ("shop_refuse_again", "仅浏览"): "shop_browse",
    ("shop_refuse_again", "仍不同意"): "launcher",
    ("shop_home", "我的"): "shop_me",
    ("shop_me", "设置"): "shop_settings",
    ("shop_settings", "隐私设置"): "shop_privacy_settings",
    ("shop_privacy_settings", "撤回同意隐私政策"): "shop_withdraw_confirm",
    ("shop_withdraw_confirm", "确定"): "shop_withdrawn",
}


def drive(plan: str, phone: FakePhoneUi, clock: FakeClock, *, package: str, hooks=None, **kw):
    events, notes = [], []
    evidence = MemoryEvidence()
    driver = ConsentDriver(parse_consent_plan(plan), phone, events.append, package=package, clock=clock,
                           evidence=evidence, hooks=hooks, note=notes.append, **kw)
    driver.run()
    return driver, events, evidence


def actions(events):
    return [e.action for e in events]


# -- the dump format ----------------------------------------------------------------------------------
def test_parses_a_real_format_dump():
    tree = parse_ui_dump(screen("news_banner"))
    assert tree.rotation == 0
    nodes = list(tree.nodes())
    accept = next(n for n in nodes if n.text == "ACCEPT ALL")
    assert accept.bounds == (720, 2000, 1040, 2120) and accept.centre == (880, 2060)
    assert accept.clickable and accept.enabled and accept.package == "com.example.news"
    assert accept.resource_id == "com.example.news:id/btn_accept" and accept.cls == "android.widget.Button"
    assert any(n.naf for n in nodes)  # the unlabeled close button
    assert [a.cls for a in accept.ancestors()][:1] == ["android.widget.LinearLayout"]


def test_dump_tty_trailer_is_ignored_and_garbage_refused():
    assert parse_ui_dump(screen("shop_dialog") + "UI hierchary dumped to: /dev/tty\n").roots
    with pytest.raises(UiDumpError, match="not a uiautomator dump: ERROR: could not get idle state"):
        parse_ui_dump("ERROR: could not get idle state.\n")
    with pytest.raises(UiDumpError, match="DTD"):
        parse_ui_dump('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><hierarchy rotation="0"></hierarchy>')
    with pytest.raises(UiDumpError, match="well-formed"):
        parse_ui_dump('<hierarchy rotation="0"><node index="0"')


def test_button_words_match_whole_labels_only():
    lex = load_lexicon()
    assert lex.button_rank("accept", "同意") is not None
    assert lex.button_rank("accept", "不同意") is None  # "同意" inside "不同意" is a refusal
    assert lex.button_rank("accept", "  Accept All ") is not None
    assert normalise("设置 >") == "设置"


# -- custom dialog ------------------------------------------------------------------------------------
def test_custom_dialog_accept_taps_the_textview_and_records_evidence():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, evidence = drive("accept", phone, clock, package="com.example.shop")
    assert phone.history == ["shop_dialog", "shop_home"]
    assert phone.taps == [(768, 1551, "同意")]  # centre of the clickable TextView, not of the dialog
    assert actions(events) == ["shown", "granted"]
    granted = events[1]
    assert granted.source == "ui" and granted.via == "ui-tree" and granted.text == "同意"
    assert "隐私政策" in granted.matched and granted.matched[-1] == "同意"
    assert granted.node["resource_id"] == "com.example.shop:id/btn_agree" and granted.node["bounds"] == "[540,1467][996,1635]"
    assert granted.ts == pytest.approx(DEVICE_EPOCH_MS + phone.clock.now * 1000 - driver.settle_s * 1000)
    before, after = granted.evidence["before"], granted.evidence["after"]
    assert evidence.blobs[before["dump"]].decode() == screen("shop_dialog")
    assert evidence.blobs[after["dump"]].decode() == screen("shop_home")
    assert evidence.blobs[before["screenshot"]].startswith(b"\x89PNG") and before["screenshot"] != after["screenshot"]
    assert {(r["step"], r["phase"], r["kind"]) for r in evidence.rows} >= {
        (0, "shown", "screenshot"), (1, "before", "dump"), (1, "before", "screenshot"), (1, "after", "dump"), (1, "after", "screenshot")}
    assert "温馨提示" in events[0].text and events[0].evidence["shown"]["screenshot"]
    assert driver.problems == []


def test_refusal_takes_browse_only_in_the_second_dialog():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, _ = drive("refuse", phone, clock, package="com.example.shop")
    assert phone.history == ["shop_dialog", "shop_refuse_again", "shop_browse"]
    assert [k for *_, k in phone.taps] == ["不同意", "仅浏览"]
    assert actions(events) == ["shown", "refused"]
    assert events[1].node["text"] == "不同意"  # the refusal counts from the first tap
    assert driver.done_clicks == ["negative", "browse_only"]
    assert [s["purpose"] for s in driver.steps] == ["refuse", "browse_only"]


def test_refuse_exit_insists_instead_of_browsing():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, _ = drive("refuse=exit", phone, clock, package="com.example.shop")
    assert [k for *_, k in phone.taps] == ["不同意", "仍不同意"]
    assert phone.current == "launcher"
    assert actions(events) == ["shown", "refused"]
    assert "refuse_confirm" in driver.done_clicks


def test_none_only_records_the_screen():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, evidence = drive("none", phone, clock, package="com.example.shop")
    assert phone.taps == [] and actions(events) == ["shown"]
    assert [r["phase"] for r in evidence.rows] == ["shown", "shown"]


def test_withdraw_navigates_the_settings_by_text():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, _ = drive("withdraw-after=5", phone, clock, package="com.example.shop")
    assert phone.history == ["shop_dialog", "shop_home", "shop_me", "shop_settings", "shop_privacy_settings",
                             "shop_withdraw_confirm", "shop_withdrawn"]
    assert [s["purpose"] for s in driver.steps] == ["accept", "navigate", "navigate", "navigate", "withdraw", "withdraw_confirm"]
    assert [s["label"] for s in driver.steps][1:4] == ["我的", "设置", "隐私设置"]
    assert actions(events) == ["shown", "granted", "withdrawn"]
    granted, withdrawn = events[1], events[2]
    assert withdrawn.ts - granted.ts >= 5000  # the plan's delay, on the device clock
    assert withdrawn.text == "撤回同意隐私政策" and withdrawn.evidence["after"]["dump"]
    # the 我的 tab is pressed through its clickable container, not on the label
    tab = driver.steps[1]
    assert tab["node"]["resource_id"] == "com.example.shop:id/tab_me" and (tab["x"], tab["y"]) == (945, 2250)


# -- checkbox-gated, after a splash ---------------------------------------------------------------------
def test_late_consent_screen_after_splash_with_required_checkbox():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "bank_splash", {
        ("bank_consent", "com.example.bank:id/agree_box"): "bank_consent_ticked",
        ("bank_consent_ticked", "同意并继续"): "bank_home",
    }, timed={"bank_splash": (3.5, "bank_consent")})
    driver, events, _ = drive("accept", phone, clock, package="com.example.bank")
    assert phone.history == ["bank_splash", "bank_consent", "bank_consent_ticked", "bank_home"]
    assert [s["purpose"] for s in driver.steps] == ["tick", "accept"]
    assert phone.taps[0][:2] == (100, 1790)  # the CheckBox, not the sentence with its policy links
    assert actions(events) == ["shown", "granted"] and events[1].text == "同意并继续"
    assert phone.dumps >= 3 and clock.now >= 3.5  # polled through the splash with backoff
    assert all(s <= 1.0 for s in clock.sleeps)


def test_checkbox_gated_refusal_does_not_tick():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "bank_consent", {("bank_consent", "暂不使用"): "launcher"})
    driver, events, _ = drive("refuse", phone, clock, package="com.example.bank")
    assert [k for *_, k in phone.taps] == ["暂不使用"]
    assert actions(events) == ["shown", "refused"]


# -- English GDPR banner, WebView-ish nodes -------------------------------------------------------------
@pytest.mark.parametrize("plan,label", [("accept", "ACCEPT ALL"), ("refuse", "Reject all")])
def test_english_gdpr_banner(plan, label):
    clock = FakeClock()
    phone = FakePhoneUi(clock, "news_banner", {("news_banner", "ACCEPT ALL"): "news_home",
                                                ("news_banner", "Reject all"): "news_home"})
    driver, events, _ = drive(plan, phone, clock, package="com.example.news")
    assert [k for *_, k in phone.taps] == [label]  # never "Manage"
    assert events[0].matched and "privacy" in events[0].matched
    assert actions(events)[1] == ("granted" if plan == "accept" else "refused")


def test_webview_content_desc_only_nodes():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "web_consent", {("web_consent", "同意"): "web_home"})
    driver, events, _ = drive("accept", phone, clock, package="com.example.webapp")
    assert phone.taps == [(790, 1670, "同意")]
    assert events[1].node["content_desc"] == "同意" and events[1].node["text"] == ""


def test_accept_after_waits_on_the_test_clock():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP)
    driver, events, _ = drive("accept-after=12", phone, clock, package="com.example.shop")
    assert actions(events) == ["shown", "granted"]
    assert events[1].ts - events[0].ts >= 12000
    assert 12 in clock.sleeps


# -- other apps' windows, failures, fallback -----------------------------------------------------------
def test_other_packages_are_not_the_apps_consent_screen():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "launcher")
    driver, events, _ = drive("accept", phone, clock, package="com.example.shop", find_timeout_s=10)
    assert events == [] and phone.taps == []
    assert driver.problems == ["no consent screen found within 10s"]


def test_uiautomator_errors_are_retried():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", SHOP, dump_errors=2)
    driver, events, _ = drive("accept", phone, clock, package="com.example.shop")
    assert actions(events) == ["shown", "granted"]


class FakeHooks:
    def __init__(self, result=True):
        self.calls = []
        self.result = result

    def click_dialog(self, which):
        self.calls.append(("dialog", which))
        return {"clicked": self.result, "text": "同意"}

    def click_view(self, text):
        self.calls.append(("view", text))
        return {"clicked": self.result}


def test_falls_back_to_hooks_only_when_the_tree_has_nothing_usable():
    from analyzer.models.events import UiEvent

    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", dump_errors=10**6, dump_error="ERROR: null root node returned by UiTestAutomationBridge.")
    hooks = FakeHooks()
    events, notes = [], []
    driver = ConsentDriver(parse_consent_plan("accept"), phone, events.append, package="com.example.shop", clock=clock,
                           hooks=hooks, note=notes.append, find_timeout_s=5)
    driver.observe(UiEvent(ts=1.0, action="dialog_shown", texts=["隐私政策", "同意", "不同意"]))
    driver.run()
    assert hooks.calls == [("dialog", "positive")]
    assert actions(events) == ["granted"] and events[0].via == "hooks-rpc"
    # with a usable tree the hooks are never asked
    clock2 = FakeClock()
    hooks2 = FakeHooks()
    drive("accept", FakePhoneUi(clock2, "shop_dialog", SHOP), clock2, package="com.example.shop", hooks=hooks2)
    assert hooks2.calls == []


def test_no_hooks_hint_no_screen_reports_the_dump_error():
    clock = FakeClock()
    phone = FakePhoneUi(clock, "shop_dialog", dump_errors=10**6)
    driver, events, _ = drive("accept", phone, clock, package="com.example.shop", find_timeout_s=4)
    assert events == []
    assert driver.problems == ["no consent screen found within 4s (last UI dump error: uiautomator dump failed: "
                               "ERROR: could not get idle state.)"]


# -- the lexicon file -------------------------------------------------------------------------------------
def test_user_lexicon_extends_and_replaces(tmp_path):
    extra = tmp_path / "lex.json"
    extra.write_text(json.dumps({"accept": ["好的，我知道了"], "screen": ["服务条款"]}), encoding="utf-8")
    lex = load_lexicon(extra)
    assert lex.button_rank("accept", "好的，我知道了") == 0 and lex.button_rank("accept", "同意") is not None
    extra.write_text(json.dumps({"replace": ["accept"], "accept": ["OK"]}), encoding="utf-8")
    lex = load_lexicon(extra)
    assert lex.button_rank("accept", "同意") is None and lex.button_rank("accept", "ok") == 0
    tree = parse_ui_dump(screen("shop_dialog"))
    assert not read_screen(tree, lex, "com.example.shop").best("accept")


@pytest.mark.parametrize("content,message", [
    ("{", "not JSON"), ("[]", "JSON object"), ('{"acept": []}', "unknown lexicon list 'acept'"),
    ('{"accept": [1]}', "list of non-empty strings"),
])
def test_bad_lexicon_files(tmp_path, content, message):
    bad = tmp_path / "lex.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        load_lexicon(bad)


def test_session_ending_while_waiting_is_reported():
    from analyzer.runner.consent import Stopped

    class EndingClock(FakeClock):
        def sleep(self, seconds, **kw):
            super().sleep(seconds)
            if self.now > 3:
                raise Stopped()

    clock = EndingClock()
    phone = FakePhoneUi(clock, "bank_splash")
    driver, events, _ = drive("accept", phone, clock, package="com.example.bank")
    assert events == [] and driver.problems == ["no consent screen found before the session ended"]
    assert driver.finished.is_set()


def test_real_clock_wakes_on_a_hint_and_stops_the_driver():
    from analyzer.models.events import LifecycleEvent
    from analyzer.runner.consent import RealClock, Stopped

    clock = RealClock()
    driver = ConsentDriver(parse_consent_plan("accept"), FakePhoneUi(FakeClock(), "launcher"), lambda e: None, clock=clock)
    driver.observe(LifecycleEvent(ts=1.0, state="foreground"))  # a new activity: look now
    started = clock.monotonic()
    clock.sleep(30, wakeable=True)
    assert clock.monotonic() - started < 5
    driver.observe(LifecycleEvent(ts=2.0, state="foreground"))
    clock.sleep(0.2)  # the plan's own delays (accept-after=S) are never cut short by a hint
    assert clock.monotonic() - started >= 0.2
    clock.stop()
    with pytest.raises(Stopped):
        clock.sleep(30)
