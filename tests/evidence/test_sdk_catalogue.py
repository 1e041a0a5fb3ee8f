"""The SDK catalogue: 60+ Chinese and global SDKs, user files merged, local hosts first party."""

from __future__ import annotations

import json

from analyzer.attribution import default_signatures, is_local_host
from analyzer.attribution.catalogue import session_signatures
from analyzer.store import open_store
from tests.analysis import corpus as c

REQUIRED = {"hms-push", "hms-core", "xiaomi-push", "vivo-push", "oppo-push", "getui", "shumei", "tongdun",
            "netease-yidun", "mobtech", "baidu-mobstat", "baidu-ads", "kuaishou-ads", "growingio", "umeng", "bugly"}


def test_catalogue_covers_common_sdks_with_both_names():
    table = default_signatures()
    assert len(table.sdks) >= 60 and REQUIRED <= set(table.sdks)
    for sdk in table.sdks.values():
        assert sdk.name and sdk.name_zh and sdk.organisation and (sdk.code_prefixes or sdk.hosts), sdk.id
    assert table.sdk_for_class("com.huawei.hms.push.HmsMessageService.onNewToken").id == "hms-push"
    assert table.sdk_for_class("com.huawei.hms.framework.common.Logger.i").id == "hms-core"
    assert table.sdk_for_class("com.ishumei.smantifraud.SmAntiFraud.create").id == "shumei"
    assert table.sdk_for_host("fp-it.fengkongcloud.com").id == "shumei"
    assert table.sdk_for_host("sdk.e.qq.com").id == "gdt" and table.sdk_for_host("qq.com") is None


def test_local_and_lab_hosts_are_never_third_party():
    table = default_signatures()
    for host in ("127.0.0.1", "[::1]", "localhost", "backend.lab", "shop.test", "printer.local"):
        assert is_local_host(host), host
        assert table.party_of(host, first_party_domains=("labshop.example",), app_package="com.x.y").party == "first"
    assert table.party_of("203.0.113.9", first_party_domains=("labshop.example",), app_package="com.x.y").party == "third"


def test_user_catalogue_is_merged_and_saved_with_the_session(sqlite_url, run, tmp_path):
    b = c.SessionBuilder(open_store(sqlite_url), "acme", consent_choice="accept")
    acme_stack = c.stack("android.provider.Settings$Secure.getString(Settings.java:1)",
                         "com.acme.track.Collector.deviceId(Collector.java:12)")
    b.call(100, c.API_AID, "android_id", c.ANDROID_ID, acme_stack)
    b.flow(200, "GET", f"https://in.acme-metrics.example/c?aid={c.ANDROID_ID}")
    b.flow(300, "GET", f"http://127.0.0.1:8080/own?aid={c.ANDROID_ID}")
    b.commit()
    catalogue = tmp_path / "acme.yaml"
    catalogue.write_text(
        "sdks:\n  - id: acme-track\n    name: Acme Track\n    name_zh: 某某追踪\n    organisation: Acme Ltd.\n"
        "    category: analytics\n    code_prefixes: [com.acme.track]\n    hosts: [acme-metrics.example]\n", "utf-8")
    result = run("analyze", "acme", "--sdk-catalogue", str(catalogue), "--json")
    assert result.exit_code == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    sent = [f for f in findings if f["flow"] and f["flow"]["host"] == "in.acme-metrics.example"][0]
    assert sent["sdk"] == "acme-track" and sent["destination"]["sdk"] == "acme-track"
    local = [f for f in findings if f["flow"] and f["flow"]["host"] == "127.0.0.1"][0]
    assert local["destination"]["party"] == "first" and "third-party-transmission" not in local["rules"]
    # saved with the session: a plain re-analysis and the report still know the SDK
    again = json.loads(run("analyze", "acme", "--json").stdout)["findings"]
    assert any(f["sdk"] == "acme-track" for f in again)
    zh = run("report", "acme", "--format", "html", "--lang", "zh").stdout
    assert "某某追踪" in zh and "Acme Ltd." in zh
    listed = json.loads(run("sdks", "--sdk-catalogue", str(catalogue), "--json").stdout)
    assert any(s["id"] == "acme-track" for s in listed["sdks"]) and len(listed["sdks"]) >= 61
    assert session_signatures().get("acme-track") is None  # nothing leaks into other sessions


def test_bad_catalogue_is_one_line(run, tmp_path, sqlite_url):
    c.SessionBuilder(open_store(sqlite_url), "x").commit()
    bad = tmp_path / "bad.json"
    bad.write_text('{"sdks": [{"id": "a", "hosts": "not-a-list"}]}')
    result = run("analyze", "x", "--sdk-catalogue", str(bad))
    assert result.exit_code == 2 and "hosts must be a list of strings" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("sdks: [unclosed")
    result = run("sdks", "--sdk-catalogue", str(broken))
    assert result.exit_code == 2 and "not valid YAML" in result.stderr


def test_hosts_the_apps_own_code_calls_are_first_party(sqlite_url, run):
    b = c.SessionBuilder(open_store(sqlite_url), "own-host", first_party=())
    b.event({"type": "identifier", "ts": c.T0, "kind": "android_id", "value": c.ANDROID_ID, "source": "canary"})
    own = c.stack("okhttp3.RealCall.execute(RealCall.java:1)", f"{c.PACKAGE}.net.Backend.hello(Backend.java:9)")
    sdk = c.stack("okhttp3.RealCall.execute(RealCall.java:1)", "com.tendcloud.tenddata.TCAgent.send(TCAgent.java:3)")
    b.flow(100, "GET", f"https://gw.shopfront-cdn.example/h?aid={c.ANDROID_ID}", meta={"stack": own})
    b.flow(200, "GET", f"https://collect.elsewhere.example/h?aid={c.ANDROID_ID}", meta={"stack": sdk})
    b.commit()
    findings = json.loads(run("analyze", "own-host", "--json").stdout)["findings"]
    by_host = {f["flow"]["host"]: f for f in findings if f["flow"]}
    assert by_host["gw.shopfront-cdn.example"]["destination"]["party"] == "first"
    assert by_host["gw.shopfront-cdn.example"]["destination"]["party_basis"] == "app_code"
    assert "third-party-transmission" not in by_host["gw.shopfront-cdn.example"]["rules"]
    assert by_host["collect.elsewhere.example"]["destination"]["party"] == "third"


def test_shared_identifier_libraries_are_not_an_sdk():
    """AdvertisingIdClient is called by every ad/attribution SDK: the caller is the SDK below it."""
    table = default_signatures()
    stack = ["com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo(AdvertisingIdClient.java:1)",
             "com.appsflyer.internal.AFa1sSDK.values(AFa1sSDK.java:2)"]
    assert table.sdk_for_stack(stack).id == "appsflyer"
    assert table.sdk_for_class("com.google.android.gms.ads.MobileAds.initialize").id == "admob"
