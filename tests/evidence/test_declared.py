"""Declared practice: findings from undeclared SDKs or data types get undisclosed-sdk /
undisclosed-data; the rules appear only for sessions with a declaration."""

from __future__ import annotations

import json

from analyzer.store import open_store
from tests.analysis import corpus as c


def session(store):
    """After consent: umeng sends IMEI and Android ID, AMap sends the location, the app its own backend the Android ID."""
    b = c.SessionBuilder(store, "declared", consent_choice="accept")
    b.dialog(10).consent(20, "granted")
    b.call(100, c.API_IMEI, "imei", c.IMEI, c.UMENG_STACK)
    b.call(110, c.API_AID, "android_id", c.ANDROID_ID, c.UMENG_STACK)
    b.call(120, c.API_LOC, "location", c.LOCATION, c.AMAP_STACK)
    b.json_post(400, "https://ulogs.umeng.com/unify_logs", {"imei": c.IMEI, "aid": c.ANDROID_ID})
    b.json_post(500, "https://restapi.amap.com/v3/log", {"loc": c.LOCATION})
    b.json_post(600, "https://api.labshop.example/hello", {"aid": c.ANDROID_ID})
    return b


def test_undeclared_sdks_and_data_types(sqlite_url, run, tmp_path):
    session(open_store(sqlite_url)).commit()
    plain = json.loads(run("analyze", "declared", "--json").stdout)
    assert "undisclosed-sdk" not in plain["verdicts"]  # no declaration: the rules do not run
    declaration = tmp_path / "sdk-list.yaml"
    declaration.write_text("app: com.labshop.leaky\ndata: [android_id]\nsdks:\n  - name: 友盟+\n    data: [android_id]\n", "utf-8")
    result = run("analyze", "declared", "--declared", str(declaration), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["verdicts"]["undisclosed-sdk"] >= 1 and doc["verdicts"]["undisclosed-data"] >= 1
    flows = {(f["flow"]["host"], f["pii_type"]): f["rules"] for f in doc["findings"] if f["flow"]}
    assert "undisclosed-data" in flows[("ulogs.umeng.com", "imei")]  # umeng declared, imei not
    assert "undisclosed-data" not in flows[("ulogs.umeng.com", "android_id")]
    assert "undisclosed-sdk" in flows[("restapi.amap.com", "location")]  # AMap not in the list
    assert ("api.labshop.example", "android_id") not in flows  # declared by the app and sent after consent
    calls = {(f["sdk"], f["pii_type"]): f["rules"] for f in doc["findings"] if not f["flow"]}
    assert calls[("amap", "location")] == ["undisclosed-sdk"] and calls[("umeng", "imei")] == ["undisclosed-data"]
    html = run("report", "declared", "--format", "html", "--lang", "zh").stdout
    assert "未在第三方SDK清单中公开的SDK收集或发送个人信息" in html and 'data-rule="undisclosed-sdk"' in html
    only = json.loads(run("findings", "declared", "--rule", "undisclosed-sdk", "--json").stdout)
    assert only and all("undisclosed-sdk" in f["rules"] for f in only)


def test_bad_declarations_are_one_line(sqlite_url, run, tmp_path):
    session(open_store(sqlite_url)).commit()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"sdks": [{"id": "umeng", "data": ["shoe_size"]}]}))
    result = run("analyze", "declared", "--declared", str(bad))
    assert result.exit_code == 2 and "unknown data type 'shoe_size'" in result.stderr
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"app": "com.other.app", "sdks": []}))
    result = run("analyze", "declared", "--declared", str(other))
    assert result.exit_code == 2 and "com.other.app" in result.stderr
