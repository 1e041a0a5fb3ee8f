"""Diff by meaning: new / fixed / unchanged / moved, multiplicities, evidence, redaction."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from analyzer.models.report import Finding
from analyzer.replay import diff_findings, diff_sessions, finding_key, registrable_domain
from analyzer.replay.keys import FindingKey
from replay_sessions import DEVICE, Leak, T0, finding_of, stored_findings


def _findings(leaks: list[Leak]) -> list[Finding]:
    out, n = [], 0
    for leak in leaks:
        for _ in range(leak.flows):
            n += 1
            url = f"https://{leak.host}/c?n={n}" if leak.host else None
            out.append(finding_of(leak, f"flow-{n}" if leak.host else None, url, T0 + dt.timedelta(seconds=n), n))
    return out


@pytest.mark.parametrize(
    "host, expected",
    [
        ("sdk.api.umeng.com", "umeng.com"),
        ("umeng.com", "umeng.com"),
        ("loc.map.baidu.com.", "baidu.com"),
        ("app.adjust.net.in", "adjust.net.in"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("stats.shop.com.cn", "shop.com.cn"),
        ("10.0.2.2", "10.0.2.2"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
        ("", ""),
        (None, ""),
    ],
)
def test_registrable_domain(host, expected):
    assert registrable_domain(host) == expected


def test_key_uses_registrable_domain_and_sdk_fallback():
    f = finding_of(Leak("pre-consent-transmission", "imei", "a.umeng.com", None), "f1", "https://a.umeng.com/x", T0, 1)
    f.destination.sdk = "umeng"
    assert finding_key(f) == FindingKey("pre-consent-transmission", "imei", "umeng.com", "umeng", "pre_consent")
    api = finding_of(Leak("pre-consent-api-call", "imei", None, "umeng"), None, None, T0, 2)
    assert finding_key(api).destination == ""


def test_fixed_new_unchanged_moved_and_counts():
    old = _findings([
        Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng", flows=3),
        Leak("pre-consent-transmission", "android_id", "t.appsflyer.com", "appsflyer"),
        Leak("pre-consent-transmission", "oaid", "sdk.jpush.cn", "jpush"),
        Leak("pre-consent-transmission", "phone_number", "a.tracker-one.example", None),
    ])
    new = _findings([
        Leak("pre-consent-transmission", "imei", "alog.umeng.com", "umeng", flows=1),  # same domain, other host
        Leak("pre-consent-transmission", "oaid", "stats.jiguang.cn", "jpush"),
        Leak("pre-consent-transmission", "location", "restapi.amap.com", "amap"),
        Leak("pre-consent-transmission", "phone_number", "b.tracker-two.example", None),
    ])
    diff = diff_findings(old, new)
    assert diff.counts() == {"new": 2, "moved": 1, "fixed": 2, "unchanged": 1}

    (same,) = diff.unchanged
    assert (same.key.pii_type, same.old_count, same.new_count) == ("imei", 3, 1)
    assert same.old_hosts == ["api.umeng.com"] and same.new_hosts == ["alog.umeng.com"]
    assert same.note == "3 -> 1 findings"

    (moved,) = diff.moved
    assert moved.key.destination == "jiguang.cn" and moved.moved_from.destination == "jpush.cn"
    assert moved.note == "moved: jpush.cn -> jiguang.cn"

    assert {e.key.pii_type for e in diff.fixed} == {"android_id", "phone_number"}
    # no SDK: nothing says it is the same sender, so fixed + new rather than moved
    assert {e.key.pii_type for e in diff.new} == {"location", "phone_number"}


def test_phase_and_rule_are_part_of_the_meaning():
    old = _findings([Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng")])
    new = _findings([Leak("post-refusal-transmission", "imei", "api.umeng.com", "umeng", phase="post_refusal")])
    diff = diff_findings(old, new)
    assert diff.counts() == {"new": 1, "moved": 0, "fixed": 1, "unchanged": 0}


def test_moved_pairs_one_to_one():
    old = _findings([Leak("pre-consent-transmission", "oaid", "a.jpush.cn", "jpush")])
    new = _findings([
        Leak("pre-consent-transmission", "oaid", "b.jiguang.cn", "jpush"),
        Leak("pre-consent-transmission", "oaid", "c.jiguang-cdn.com", "jpush"),
    ])
    diff = diff_findings(old, new)
    assert len(diff.moved) == 1 and len(diff.new) == 1 and not diff.fixed


def test_identical_inputs_give_only_unchanged_and_stable_json():
    leaks = [Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng", flows=2),
             Leak("pre-consent-api-call", "imei", None, "umeng")]
    a = diff_findings(_findings(leaks), _findings(leaks))
    b = diff_findings(list(reversed(_findings(leaks))), _findings(leaks))
    assert a.counts()["unchanged"] == 2 and a.counts()["new"] == 0
    assert a.to_json({"s": 1}, {"s": 2}) == b.to_json({"s": 1}, {"s": 2})


def test_json_schema_shape():
    diff = diff_findings(_findings([Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng")]), [])
    doc = diff.to_json({"session": "a"}, {"session": "b"})
    assert doc["schema"] == "consentry.diff/1"
    assert set(doc) >= {"old", "new", "new_findings", "fixed", "unchanged", "moved", "summary"}
    (entry,) = doc["fixed"]
    assert entry["key"] == {"rule": "pre-consent-transmission", "pii_type": "imei", "destination": "umeng.com",
                            "sdk": "umeng", "phase": "pre_consent"}
    ev = entry["evidence"]["old"][0]
    assert ev["value"] == DEVICE["imei"] and ev["host"] == "api.umeng.com" and ev["method"] == "POST"


def test_redaction_masks_values_in_value_excerpt_and_url():
    leak = Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng")
    f = finding_of(leak, "f1", f"https://api.umeng.com/c?imei={DEVICE['imei']}", T0, 1)
    doc = diff_findings([], [f], redact=True).to_json({}, {})
    text = str(doc)
    assert DEVICE["imei"] not in text
    ev = doc["new_findings"][0]["evidence"]["new"][0]
    assert ev["value"].startswith("86") and ev["value"].endswith("78") and "*" in ev["value"]


def test_diff_sessions_reads_current_runs(store):
    stored_findings(store, "v1", [Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng", flows=3)])
    stored_findings(store, "v2", [Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng")],
                    app=("com.labshop.app", "2.0"))
    result = diff_sessions(store, "v1", "v2")
    assert result.old["session"] == "v1" and result.new["version"] == "2.0"
    assert result.old["run"]["findings"] == 3
    (entry,) = result.diff.unchanged
    assert (entry.old_count, entry.new_count) == (3, 1)


_leaks = st.lists(
    st.builds(
        Leak,
        rule=st.sampled_from(["pre-consent-transmission", "third-party-transmission"]),
        pii_type=st.sampled_from(["imei", "oaid"]),
        host=st.sampled_from(["a.umeng.com", "b.umeng.com", "x.jpush.cn", "y.jiguang.cn", "t.example"]),
        sdk=st.sampled_from([None, "umeng", "jpush"]),
        phase=st.sampled_from(["pre_consent", "post_refusal"]),
        flows=st.integers(1, 3),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(_leaks, _leaks)
def test_every_finding_is_accounted_for_exactly_once(old_leaks, new_leaks):
    old, new = _findings(old_leaks), _findings(new_leaks)
    diff = diff_findings(old, new)
    old_keys = {finding_key(f) for f in old}
    new_keys = {finding_key(f) for f in new}
    seen_old = [e.moved_from if e.status == "moved" else e.key for e in diff.entries if e.status != "new"]
    seen_new = [e.key for e in diff.entries if e.status != "fixed"]
    assert sorted(seen_old) == sorted(old_keys) and sorted(seen_new) == sorted(new_keys)
    assert sum(e.old_count for e in diff.entries) == len(old)
    assert sum(e.new_count for e in diff.entries) == len(new)
    for e in diff.moved:
        assert e.key.same_leak_elsewhere() == e.moved_from.same_leak_elsewhere() and e.key.sdk
        assert e.key.destination != e.moved_from.destination
    reverse = diff_findings(new, old)
    assert len(reverse.new) == len(diff.fixed) and len(reverse.unchanged) == len(diff.unchanged)
