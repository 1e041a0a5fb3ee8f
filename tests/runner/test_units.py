"""Fast tests of the runner's parts that need no device: plans, driver, clock, status, checks."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from analyzer.devices import DeviceError, parse_device_spec
from analyzer.models.events import ApiCallEvent, ConsentEvent, UiEvent
from analyzer.runner.clock import estimate_offset, frida_clock_probe
from analyzer.runner.consent import HookConsentDriver as ConsentDriver, parse_consent_plan
from analyzer.runner.expectations import check_counts, check_findings
from analyzer.runner.status import EndSignals, decide_status


# -- consent plans ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, choice, delay, spec",
    [
        ("accept", "accept", 0, "accept"),
        (" Refuse ", "refuse", 0, "refuse"),
        ("none", "none", 0, "none"),
        ("accept-after=2.5", "accept-after", 2.5, "accept-after=2.5"),
        ("withdraw-after=3s", "withdraw-after", 3, "withdraw-after=3"),
    ],
)
def test_parse_consent_plan(text, choice, delay, spec):
    plan = parse_consent_plan(text)
    assert (plan.choice, plan.delay_s, plan.spec) == (choice, delay, spec)


@pytest.mark.parametrize("bad", ["", "yes", "accept-after", "accept-after=-1", "withdraw-after=abc", "accept-after=999999"])
def test_parse_consent_plan_rejects(bad):
    with pytest.raises(ValueError) as err:
        parse_consent_plan(bad)
    assert "\n" not in str(err.value)


def test_expectation_key_of_plans():
    assert parse_consent_plan("withdraw-after=1").expectation_key == "withdraw"
    assert parse_consent_plan("accept-after=1").expectation_key == "accept"


# -- the consent driver ------------------------------------------------------------------------
class FakeClicker:
    def __init__(self, view_ok_after: int = 0):
        self.calls: list[tuple[str, str, float]] = []
        self.view_ok_after = view_ok_after

    def click_dialog(self, which):
        self.calls.append(("dialog", which, time.monotonic()))
        return {"clicked": True}

    def click_view(self, text):
        self.calls.append(("view", text, time.monotonic()))
        ok = sum(1 for c in self.calls if c[0] == "view") > self.view_ok_after
        return {"clicked": ok}


def _driver(plan_text, clicker, **kw):
    emitted: list[ConsentEvent] = []
    driver = ConsentDriver(parse_consent_plan(plan_text), clicker, emitted.append, **kw)
    return driver, emitted


def _wait(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def _pending_marks(driver) -> int:
    """Consent marks the driver holds in their grace period (finish_marks writes them)."""
    with driver._cond:
        return sum(1 for task in driver._tasks if task[2])


def test_accept_clicks_positive_after_dialog_and_marks_hook_ts():
    clicker = FakeClicker()
    driver, emitted = _driver("accept", clicker, device_now_ms=lambda: 1200.0)
    try:
        driver.observe(ApiCallEvent(ts=1, api="x"))
        assert clicker.calls == []  # nothing before the dialog is shown
        driver.observe(UiEvent(ts=1000, action="dialog_shown", texts=["同意", "不同意"]))
        assert _wait(lambda: clicker.calls)
        assert clicker.calls[0][:2] == ("dialog", "positive")
        driver.observe(UiEvent(ts=1234.5, action="click", text="同意"))
        assert _wait(lambda: emitted)
        assert emitted[0].action == "granted" and emitted[0].ts == 1234.5 and emitted[0].source == "ui"
        # The fallback mark of the click (still in its grace period) must not duplicate the
        # seen click: run it now, as the session end does, instead of waiting for it.
        driver.stop()
        assert _pending_marks(driver) == 1
        driver.finish_marks()
        assert len(emitted) == 1
    finally:
        driver.stop()


def test_refuse_without_ui_click_event_marks_click_time():
    clicker = FakeClicker()
    now = [5000.0]
    driver, emitted = _driver("refuse", clicker, device_now_ms=lambda: now[0])
    try:
        driver.observe(UiEvent(ts=4000, action="dialog_shown"))
        assert _wait(lambda: clicker.calls)
        driver.stop()  # the click task has finished; its mark waits out a grace period: run it now
        assert emitted == [] and _pending_marks(driver) == 1
        driver.finish_marks()
        assert emitted[0].action == "refused" and emitted[0].ts == 5000.0
        assert emitted[0].via == "hooks-rpc"
    finally:
        driver.stop()


def test_hook_consent_event_suppresses_duplicate_mark():
    clicker = FakeClicker()
    driver, emitted = _driver("accept", clicker, device_now_ms=lambda: 1050.0)
    try:
        driver.observe(UiEvent(ts=1000, action="dialog_shown"))
        driver.observe(UiEvent(ts=1100, action="click", text="同意"))
        driver.observe(ConsentEvent(ts=1101, action="granted", source="hook"))
        assert _wait(lambda: clicker.calls)
        driver.stop()  # the click task has finished: both marks (seen click, click fallback) are pending
        assert _pending_marks(driver) == 2
        driver.finish_marks()
        assert emitted == []
    finally:
        driver.stop()


def test_none_never_clicks():
    clicker = FakeClicker()
    driver, emitted = _driver("none", clicker)
    try:
        driver.observe(UiEvent(ts=1000, action="dialog_shown"))
        time.sleep(0.3)
        assert clicker.calls == [] and emitted == []
    finally:
        driver.stop()


def test_accept_after_waits_the_delay():
    clicker = FakeClicker()
    driver, _ = _driver("accept-after=0.6", clicker)
    try:
        shown = time.monotonic()
        driver.observe(UiEvent(ts=1000, action="dialog_shown"))
        assert _wait(lambda: clicker.calls)
        assert clicker.calls[0][2] - shown >= 0.55
    finally:
        driver.stop()


def test_withdraw_after_retries_until_the_button_exists():
    clicker = FakeClicker(view_ok_after=2)
    driver, emitted = _driver("withdraw-after=0.3", clicker, device_now_ms=lambda: time.time() * 1000)
    try:
        driver.observe(UiEvent(ts=1000, action="dialog_shown"))
        assert _wait(lambda: "withdraw" in driver.done_clicks)
        views = [c for c in clicker.calls if c[0] == "view"]
        assert len(views) == 3 and views[0][1] == "撤回同意"
        driver.stop()  # both clicks done; their marks wait out a grace period: run them now
        assert _pending_marks(driver) == 2
        driver.finish_marks()
        assert [e.action for e in emitted] == ["granted", "withdrawn"]
    finally:
        driver.stop()


def test_withdraw_falls_back_to_sdk_apis():
    clicker = FakeClicker(view_ok_after=10**6)
    fallback_calls = []
    driver, _ = _driver("withdraw-after=0", clicker, withdraw_retry_s=0.3,
                        withdraw_fallback=lambda: fallback_calls.append(1) or True)
    try:
        driver.observe(UiEvent(ts=1000, action="dialog_shown"))
        assert _wait(lambda: fallback_calls)
        assert "withdraw-sdk" in driver.done_clicks
    finally:
        driver.stop()


def test_failed_click_is_reported_not_raised():
    class Broken(FakeClicker):
        def click_dialog(self, which):
            raise RuntimeError("agent gone")

    driver, emitted = _driver("accept", Broken())
    try:
        driver.observe(UiEvent(ts=1, action="dialog_shown"))
        assert _wait(lambda: driver.problems)
        assert "agent gone" in driver.problems[0] and emitted == []
    finally:
        driver.stop()


def test_finish_marks_writes_pending_marks_but_drops_future_clicks():
    clicker = FakeClicker()
    driver, emitted = _driver("accept-after=30", clicker)
    driver.observe(UiEvent(ts=1000, action="dialog_shown"))
    driver.observe(UiEvent(ts=1200, action="click", text="不同意"))  # the user clicked by hand
    driver.stop()
    driver.finish_marks()
    assert [e.action for e in emitted] == ["refused"]
    assert clicker.calls == []


# -- clock ------------------------------------------------------------------------------------------
def test_estimate_offset_uses_tightest_round_trip():
    # Workstation clock ticks 10 ms per read except one fast probe; device is 500 ms ahead.
    reads = iter([0, 10, 100, 102, 200, 230])
    device = iter([505, 601 + 0, 715])

    est = estimate_offset(lambda: next(device), rounds=3, now_ms=lambda: next(reads), resolution_ms=1.0)
    assert est.best_rtt_ms == 2
    assert est.offset_ms == pytest.approx(601 + 0.5 - 101)
    assert est.uncertainty_ms == pytest.approx(1 + 1.0)


def test_clock_probe_against_a_real_process():
    import frida

    proc = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "up"  # attach to a running interpreter, not one mid-exec
        session = frida.get_local_device().attach(proc.pid)
        probe, unload = frida_clock_probe(session)
        est = estimate_offset(probe, rounds=5)
        unload()
        session.detach()
    finally:
        proc.kill()
        proc.wait()
    # Same machine, same clock: the offset must lie within the stated uncertainty (+1 ms slack).
    assert abs(est.offset_ms) <= est.uncertainty_ms + 1.0, est
    assert 0 < est.uncertainty_ms < 1000, est  # a loaded machine stretches round trips, not the bound


# -- status --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "signals, status, words",
    [
        (EndSignals(finished_normally=True, exit_code=0), "finished", "finished"),
        (EndSignals(exit_code=-9), "app_crashed", "SIGKILL"),
        (EndSignals(exit_code=1), "app_crashed", "exit code 1"),
        (EndSignals(detach_reason="application-requested", app_alive=True), "detached", "application-requested"),
        (EndSignals(detach_reason="process-terminated"), "app_crashed", "process-terminated"),
        (EndSignals(interrupted="SIGTERM", exit_code=-15), "interrupted", "SIGTERM"),
        (EndSignals(proxy_failed="mitmdump exited (1)"), "proxy_error", "mitmdump"),
        (EndSignals(duration_elapsed=True, app_alive=True), "finished", "--duration"),
    ],
)
def test_decide_status(signals, status, words):
    got, detail = decide_status(signals)
    assert got == status and words in detail


# -- device spec ---------------------------------------------------------------------------------------
def test_parse_device_spec():
    assert parse_device_spec("lab") == ("lab", None)
    assert parse_device_spec("usb") == ("usb", None)
    assert parse_device_spec("usb:emulator-5554") == ("usb", "emulator-5554")
    for bad in ("", "phone", "lab:x", "usb:"):
        with pytest.raises(DeviceError):
            parse_device_spec(bad)


# -- expectations -----------------------------------------------------------------------------------------
FINDING = {
    "rule": "pre-consent-transmission", "phase": "pre_consent", "pii_type": "imei", "sdk": "umeng",
    "destination": {"host": "ulogs.umeng.com", "party": "third", "sdk": "umeng"},
    "flow": {"host": "ulogs.umeng.com"}, "encoding": ["json:$.imei", "md5"],
}


def test_check_findings_must_and_must_not():
    expect = {
        "must": [{"rule": "pre-consent-transmission", "pii_type": "imei", "sdk": "umeng", "host": "ulogs.umeng.com"}],
        "must_not": [{"rule": "post-refusal-transmission"}],
    }
    assert check_findings("s", "accept", expect, [FINDING]).passed
    missing = check_findings("s", "accept", expect, [])
    assert not missing.passed and "missing finding" in missing.failures[0]
    unexpected = check_findings("s", "accept", expect, [FINDING, {**FINDING, "rule": "post-refusal-transmission"}])
    assert not unexpected.passed and "unexpected" in unexpected.failures[0]
    assert not check_findings("s", "a", {"must": [{"rule": "pre-consent-transmission", "sdk": "amap"}]}, [FINDING]).passed
    assert check_findings("s", "a", {"must": [{"encoding": ["md5", "json"]}]}, [FINDING]).passed


def test_ambiguous_findings_do_not_break_must_not_unless_the_phase_is_named():
    ambiguous = {**FINDING, "rule": "pre-consent-api-call", "phase": "ambiguous"}
    assert check_findings("s", "a", {"must_not": [{"rule": "pre-consent-api-call"}]}, [ambiguous]).passed
    assert not check_findings("s", "a", {"must_not": [{"rule": "pre-consent-api-call", "phase": "ambiguous"}]}, [ambiguous]).passed
    assert not check_findings("s", "a", {"must_not": [{"rule": "pre-consent-api-call"}]},
                              [{**ambiguous, "phase": "pre_consent"}]).passed


def test_check_counts_exact():
    result = check_findings("s", "a", {}, [])
    check_counts(result, {"api": 200}, {"api": 200}, {"api": 200})
    assert result.passed
    check_counts(result, {"api": 200}, {"api": 199}, {"api": 200})
    assert not result.passed and "199" in result.failures[0]
    other = check_findings("s", "a", {}, [])
    check_counts(other, {"api": 190}, {"api": 190}, {"api": 200})
    assert not other.passed and "expects 200" in other.failures[0]


def test_encoding_contains_and_notes():
    want = {"rule": "pre-consent-transmission", "encoding_contains": "md5", "needs": "crypto hooks"}
    assert check_findings("s", "a", {"must": [want]}, [FINDING]).passed
    assert not check_findings("s", "a", {"must": [{**want, "encoding_contains": "aes"}]}, [FINDING]).passed
