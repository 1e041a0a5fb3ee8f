"""`consentry diff` through the CLI entry point (in-process), on sessions with stored analyses."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from replay_sessions import DEVICE, Leak, T0, stored_findings

V1 = [
    Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng", flows=3),  # unchanged (3 -> 1)
    Leak("pre-consent-transmission", "android_id", "t.appsflyer.com", "appsflyer"),  # fixed
    Leak("pre-consent-transmission", "oaid", "sdk.jpush.cn", "jpush"),  # moved to jiguang.cn
]
V2 = [
    Leak("pre-consent-transmission", "imei", "api.umeng.com", "umeng"),
    Leak("pre-consent-transmission", "oaid", "stats.jiguang.cn", "jpush"),
    Leak("pre-consent-transmission", "location", "restapi.amap.com", "amap"),  # new
]


@pytest.fixture
def pair(cli_store):
    stored_findings(cli_store, "shop-1.0", V1, app=("com.labshop.app", "1.0"))
    stored_findings(cli_store, "shop-2.0", V2, app=("com.labshop.app", "2.0"), started=T0 + dt.timedelta(days=1))
    return cli_store


def test_diff_json_classifies(cli, pair):
    r = cli("diff", "shop-1.0", "shop-2.0", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "consentry.diff/1"
    assert doc["old"]["session"] == "shop-1.0" and doc["new"]["version"] == "2.0"
    assert [e["key"]["pii_type"] for e in doc["new_findings"]] == ["location"]
    assert [e["key"]["pii_type"] for e in doc["fixed"]] == ["android_id"]
    (same,) = doc["unchanged"]
    assert (same["key"]["pii_type"], same["old_count"], same["new_count"]) == ("imei", 3, 1)
    (moved,) = doc["moved"]
    assert moved["moved_from"]["destination"] == "jpush.cn" and moved["key"]["destination"] == "jiguang.cn"
    assert doc["summary"] == {"new": 1, "moved": 1, "fixed": 1, "unchanged": 1}


def test_diff_table(cli, pair):
    r = cli("diff", "shop-1.0", "shop-2.0", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "new: 1  fixed: 1  moved: 1  unchanged: 1" in r.stdout
    assert "moved: jpush.cn -> jiguang.cn" in r.stdout


@pytest.mark.parametrize(
    "args, code",
    [
        (("shop-1.0", "shop-2.0", "--fail-on", "new"), 1),
        (("shop-1.0", "shop-2.0", "--fail-on", "any"), 1),
        (("shop-1.0", "shop-2.0", "--fail-on", "none"), 0),
        (("shop-1.0", "shop-2.0"), 0),
        (("shop-2.0", "shop-2.0", "--fail-on", "new"), 0),  # nothing new against itself
        (("shop-2.0", "shop-2.0", "--fail-on", "any"), 1),  # but findings there are
        (("shop-2.0", "clean", "--fail-on", "any"), 0),
        (("shop-2.0", "clean", "--fail-on", "new"), 0),
        (("clean", "shop-1.0", "--fail-on", "new"), 1),
    ],
)
def test_fail_on_exit_codes(cli, pair, args, code):
    stored_findings(pair, "clean", [], app=("com.labshop.app", "3.0"))
    r = cli("diff", *args, "--json")
    assert r.returncode == code, r.stderr
    json.loads(r.stdout)


def test_moved_is_not_new_for_the_gate(cli, cli_store):
    stored_findings(cli_store, "a", [Leak("pre-consent-transmission", "oaid", "sdk.jpush.cn", "jpush")])
    stored_findings(cli_store, "b", [Leak("pre-consent-transmission", "oaid", "stats.jiguang.cn", "jpush")])
    assert cli("diff", "a", "b", "--fail-on", "new").returncode == 0
    assert cli("diff", "a", "b", "--fail-on", "any").returncode == 1


def test_junit_output(cli, pair, tmp_path):
    out = tmp_path / "diff.xml"
    r = cli("diff", "shop-1.0", "shop-2.0", "--junit", str(out), "--fail-on", "new")
    assert r.returncode == 1
    root = ET.parse(out).getroot()
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 4
    failures = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failures] == ["location to amap.com by amap (pre_consent)"]
    assert DEVICE["location"] in failures[0].find("system-out").text
    assert root.find("testsuite").get("timestamp")


def test_junit_redacted(cli, pair, tmp_path):
    out = tmp_path / "diff.xml"
    assert cli("diff", "shop-1.0", "shop-2.0", "--junit", str(out), "--redact").returncode == 0
    text = out.read_text("utf-8")
    assert all(v not in text for v in DEVICE.values())


def test_diff_by_app_version_picks_latest(cli, pair):
    # an older 2.0 recording and a 2.0 recording with another consent choice
    stored_findings(pair, "shop-2.0-old", [], app=("com.labshop.app", "2.0"), started=T0 - dt.timedelta(days=5))
    stored_findings(pair, "shop-2.0-accept", [], app=("com.labshop.app", "2.0"), consent="accept",
                    started=T0 + dt.timedelta(days=9))
    r = cli("diff", "--app", "com.labshop.app", "--from", "1.0", "--to", "2.0", "--consent", "none", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["old"]["session"], doc["new"]["session"]) == ("shop-1.0", "shop-2.0")
    r = cli("diff", "--app", "com.labshop.app", "--from", "1.0", "--to", "2.0", "--json")
    assert json.loads(r.stdout)["new"]["session"] == "shop-2.0-accept"


@pytest.mark.parametrize(
    "args, message",
    [
        (("shop-1.0", "nope"), "no session named 'nope'"),
        (("shop-1.0",), "give OLD and NEW"),
        (("shop-1.0", "shop-2.0", "--fail-on", "maybe"), "--fail-on must be one of"),
        (("--app", "com.labshop.app", "--from", "1.0"), "--app, --from and --to go together"),
        (("--app", "com.labshop.app", "--from", "1.0", "--to", "9.9"), "no stored session of com.labshop.app version 9.9"),
        (("shop-1.0", "shop-2.0", "--app", "x"), "not both"),
        (("shop-1.0", "shop-2.0", "--junit", "/nonexistent-dir/x.xml"), "does not exist"),
    ],
)
def test_bad_input_one_line_error(cli, pair, args, message):
    r = cli("diff", *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_diff_warns_when_rulesets_differ(cli, cli_store):
    stored_findings(cli_store, "a", [], ruleset="2020.1.1")
    stored_findings(cli_store, "b", [], ruleset="2026.1.1")
    r = cli("diff", "a", "b")
    assert r.returncode == 0
    assert "analysed with ruleset 2020.1.1, b with 2026.1.1" in r.stderr
    assert "ruleset" not in cli("diff", "a", "a").stderr
