"""Values inside structured API returns become identifiers of the API's kind; SDK
configuration lists are not installed apps."""

from __future__ import annotations

import json

from analyzer.match.structured import identifiers_in_return
from analyzer.store import open_store
from tests.analysis import corpus as c

CONTACT_ROWS = [{"_id": 1, "display_name": "张伟", "data1": "+86 138 0013 8000", "mimetype": "vnd.android.cursor.item/phone_v2"},
                {"_id": 2, "display_name": "李娜", "data1": "13900139000"}]
SKAN = [f"{x}.skadnetwork" for x in ("cstr6suwn9", "4fzdc2evr5", "2fnua5tdw4", "ydx93a7ass", "5a6flpkh64", "p78axxw29g")]


def test_return_structures_to_identifiers():
    assert set(identifiers_in_return("contacts", CONTACT_ROWS)) == {
        ("contacts", "张伟"), ("contacts", "+86 138 0013 8000"), ("contacts", "李娜"), ("contacts", "13900139000")}
    assert identifiers_in_return("account", "[Account {name=zhang.wei@labshop.example, type=com.google}]") == [
        ("account", "zhang.wei@labshop.example")]
    scan = identifiers_in_return("bssid", "[SSID: LabNet, BSSID: 02:1a:2b:3c:4d:5f, capabilities: [WPA2-PSK], level: -40]")
    assert set(scan) == {("ssid", "LabNet"), ("bssid", "02:1a:2b:3c:4d:5f")}
    apps = identifiers_in_return("installed_apps", "[PackageInfo{5f2 com.tencent.mm}, PackageInfo{1a3 com.eg.android.AlipayGphone}]")
    assert apps == [("installed_apps", "com.tencent.mm"), ("installed_apps", "com.eg.android.AlipayGphone")]
    assert identifiers_in_return("imei", ["356938035643809"]) == []  # a plain kind keeps its plain value


def test_address_book_upload_is_one_contacts_finding_and_skan_ids_are_not_apps(sqlite_url, run):
    b = c.SessionBuilder(open_store(sqlite_url), "book", consent_choice="none")
    frames = c.stack("android.content.ContentResolver.query(ContentResolver.java:1)", "com.labshop.leaky.Invite.load(Invite.java:3)")
    b.event({"type": "api_call", "ts": c.T0 + 50, "api": "android.content.ContentResolver.query", "kind": "contacts",
             "ret": CONTACT_ROWS, "args": ["content://com.android.contacts/data/phones"], "stack": frames})
    b.call(60, "android.accounts.AccountManager.getAccounts", "account",
           "[Account {name=zhang.wei@labshop.example, type=com.google}]", frames)
    b.call(70, "android.app.ApplicationPackageManager.getInstalledPackages", "installed_apps",
           "[PackageInfo{5f2 com.tencent.mm}, PackageInfo{1a3 com.eg.android.AlipayGphone}]", frames)
    b.json_post(200, "https://api.labshop.example/invite",
                {"book": [{"n": "张伟", "p": "+86 138 0013 8000"}, {"n": "李娜", "p": "13900139000"}],
                 "acct": "zhang.wei@labshop.example", "apps": ["com.tencent.mm", "com.eg.android.AlipayGphone"]})
    b.json_post(300, "https://ads.example-network.com/cfg", {"skadnetwork_ids": SKAN, "items": SKAN})
    b.commit()
    idents = json.loads(run("identifiers", "list", "book", "--json").stdout)
    kinds = {(i["kind"], i["value"]) for i in idents}
    assert {("contacts", "张伟"), ("contacts", "13900139000"), ("account", "zhang.wei@labshop.example"),
            ("installed_apps", "com.tencent.mm")} <= kinds
    findings = json.loads(run("analyze", "book", "--json").stdout)["findings"]
    invite = [f for f in findings if f["flow"] and f["flow"]["host"] == "api.labshop.example"]
    contacts = [f for f in invite if f["pii_type"] == "contacts"]
    assert len(contacts) == 1, [(f["pii_type"], f["evidence"]["value"]) for f in invite]
    assert set(contacts[0]["evidence"]["values"]) == {"张伟", "+86 138 0013 8000", "李娜", "13900139000"}
    assert contacts[0]["evidence"]["identifier_source"] == "hook"
    assert any(f["pii_type"] == "account" for f in invite)
    assert len([f for f in invite if f["pii_type"] == "installed_apps"]) == 1
    cfg = [f for f in findings if f["flow"] and f["flow"]["host"] == "ads.example-network.com"]
    assert not [f for f in cfg if f["pii_type"] == "installed_apps"], cfg


def test_cursor_rows_of_an_identifier_provider_become_its_identifiers():
    """vivo's and Meizu's OAID providers answer a ContentResolver query with one row."""
    from analyzer.models.events import ApiCallEvent
    from analyzer.rules.identifiers import identifiers_in_event

    oaid = "f2d4c1b0e7a94d1c9b3a5e6f7a8b9c0d"
    ev = ApiCallEvent(type="api_call", ts=1.0, api="android.content.ContentResolver.query", kind="oaid",
                      ret=[{"value": oaid}, {"value": "null"}])
    assert identifiers_in_event(ev) == [("oaid", oaid, "hook")]
