"""JUnit XML: parses, one case per key, new findings fail, hostile content stays well-formed."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from analyzer.models.report import Finding
from analyzer.replay import diff_findings, write_junit
from replay_sessions import Leak, T0, finding_dict


def _f(leak: Leak, n: int, **evidence) -> Finding:
    f = finding_dict(leak, f"flow-{n}", f"https://{leak.host}/c?n={n}", T0 + dt.timedelta(seconds=n), n)
    f["evidence"].update(evidence)
    return Finding.model_validate(f)


def test_junit_cases_and_failures(tmp_path):
    old = [_f(Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng"), 1),
           _f(Leak("pre-consent-transmission", "android_id", "t.appsflyer.com", "appsflyer"), 2)]
    new = [_f(Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng"), 1),
           _f(Leak("pre-consent-transmission", "location", "restapi.amap.com", "amap"), 3)]
    path = tmp_path / "out.xml"
    write_junit(diff_findings(old, new), path, suite_name="consentry diff a -> b", timestamp="2026-03-02T09:30:00+00:00")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "1"
    (suite,) = root.findall("testsuite")
    assert suite.get("failures") == "1" and suite.get("errors") == "0"
    cases = suite.findall("testcase")
    assert len(cases) == 3
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1
    assert failed[0].get("classname") == "consentry.pre-consent-transmission"
    assert "location to amap.com by amap (pre_consent)" == failed[0].get("name")
    assert "restapi.amap.com" in failed[0].find("system-out").text
    passed = {c.get("name") for c in cases if c.find("failure") is None}
    assert passed == {"imei to umeng.com by umeng (pre_consent)", "android_id to appsflyer.com by appsflyer (pre_consent)"}
    assert "status: fixed" in next(c for c in cases if "android_id" in c.get("name")).find("system-out").text


def test_junit_survives_hostile_evidence(tmp_path):
    nasty = 'x"]]></system-out><script>\x00\x07\x1b\ud800 é 中'
    new = [_f(Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng<&>"), 1, excerpt=nasty, matched=nasty)]
    path = tmp_path / "out.xml"
    write_junit(diff_findings([], new), path, suite_name="s\x01")
    raw = path.read_bytes()
    root = ET.fromstring(raw)  # well-formed
    out = root.find("testsuite/testcase/system-out").text
    assert "<script>" in out and "\x00" not in out and "中" in out
    assert b"<script>" not in raw  # escaped on disk


def test_empty_diff_is_valid(tmp_path):
    path = tmp_path / "e.xml"
    write_junit(diff_findings([], []), path, suite_name="empty")
    root = ET.parse(path).getroot()
    assert root.get("tests") == "0" and root.findall("testsuite/testcase") == []
