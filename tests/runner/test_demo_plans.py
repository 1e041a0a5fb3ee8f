"""Which consent plans the demo runs per lab consent UI, and what it requires of each run."""

from __future__ import annotations

from analyzer.runner.demo import consent_failures, demo_choices, launches_for, screen_expected
from analyzer.runner.plan import parse_consent_plan


def test_choices_add_a_withdrawal_where_the_ui_has_one():
    spec = {"consent_choices": ["accept", "refuse", "none"], "consent_ui": {"withdraw": ["隐私设置", "撤回同意"]}}
    assert demo_choices(spec) == ["accept", "refuse", "none", "withdraw"]
    assert demo_choices({"expect": {"accept": {}, "none": {}}}) == ["accept", "none"]
    assert demo_choices({"consent_choices": ["withdraw"], "consent_ui": {"withdraw": ["x"]}}) == ["withdraw"]


def test_second_launch_apps_get_earlier_launches():
    spec = {"consent_ui": {"launches": 2}, "expect": {"none": {}, "accept": {"launches": 2}}}
    assert [launches_for(spec, c) for c in ("none", "accept", "withdraw")] == [1, 2, 2]
    assert launches_for({"expect": {"accept": {"launches": "x"}}}, "accept") == 1
    assert not screen_expected(spec, 1) and screen_expected(spec, 2) and screen_expected({}, 1)
    assert consent_failures(parse_consent_plan("none"), [], screen=False) == []
    assert consent_failures(parse_consent_plan("none"), [("granted", "ui-tree")], screen=False) == [
        "a consent step 'granted' recorded on a launch without a consent screen"]


def test_a_run_must_show_what_its_plan_did_on_the_consent_ui():
    withdraw = parse_consent_plan("withdraw-after=1")
    assert consent_failures(withdraw, [("shown", "ui-tree"), ("granted", "ui-tree"), ("withdrawn", "ui-tree")]) == []
    assert consent_failures(withdraw, [("shown", "ui-tree"), ("granted", "ui-tree")]) == [
        "consent not carried out: no 'withdrawn' step on the app's consent UI"]
    assert consent_failures(parse_consent_plan("none"), []) == [
        "consent not carried out: no 'shown' step on the app's consent UI"]
    assert consent_failures(parse_consent_plan("refuse"), [("shown", "ui-tree"), ("refused", "hooks-rpc")]) == []
