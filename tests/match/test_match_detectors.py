"""Detectors: personal data nobody told us about, and ordinary traffic left alone."""

from __future__ import annotations

import uuid

import pytest

from analyzer.match import IdentifierSet, luhn_ok, scan_flow
from match_corpus import flow, jbytes, luhn_complete

JSON = [("Content-Type", "application/json")]
EMPTY = IdentifierSet.build([])

# values no hook reported (so only detectors can find them)
OTHER_IMEI = luhn_complete("86753109876543")
OTHER_ICCID_BODY = "8986001122334455667"


def iccid() -> str:
    for d in "0123456789":
        if luhn_ok(OTHER_ICCID_BODY + d):
            return OTHER_ICCID_BODY + d
    raise AssertionError


def detected(scan):
    return {(m.pii_type, m.path, m.confidence) for m in scan.matches if not m.known}


def scan_json(obj, url="https://tracker.example/collect"):
    return scan_flow(flow(url, jbytes(obj), JSON), EMPTY)


def test_luhn():
    assert luhn_ok("356938035643809") and not luhn_ok("356938035643808")
    assert luhn_ok(OTHER_IMEI)


def test_sdk_field_names_raise_confidence():
    scan = scan_json({
        "imei": OTHER_IMEI, "gps_adid": str(uuid.uuid4()), "oaid": str(uuid.uuid4()), "andi": "a1b2c3d4e5f60718",
        "mac": "3c:5a:b4:01:02:03", "ssid": "CoffeeShop", "bssid": "64:09:80:11:22:33",
        "phone": "13912345678", "email": "bob@corp.example", "imsi": "460029876543210", "iccid": iccid(),
        "device": {"lat": "31.230416", "lng": "121.473701"},
    })
    assert detected(scan) == {
        ("imei", "json:$.imei", "high"), ("aaid", "json:$.gps_adid", "high"), ("oaid", "json:$.oaid", "high"),
        ("android_id", "json:$.andi", "high"), ("mac", "json:$.mac", "high"), ("ssid", "json:$.ssid", "medium"),
        ("bssid", "json:$.bssid", "high"), ("phone_number", "json:$.phone", "high"), ("email", "json:$.email", "high"),
        ("imsi", "json:$.imsi", "high"), ("iccid", "json:$.iccid", "high"), ("location", "json:$.device.lat", "high"),
    }
    loc = next(m for m in scan.matches if m.pii_type == "location")
    assert loc.value == "31.230416,121.473701" and loc.detector == "lat-lon-keys"


def test_shapes_without_keys_get_lower_confidence():
    scan = scan_json({"x": OTHER_IMEI, "y": "3c:5a:b4:01:02:03", "z": "+8613912345678", "w": "mail me: bob@corp.example"})
    assert detected(scan) == {
        ("imei", "json:$.x", "low"), ("mac", "json:$.y", "medium"), ("phone_number", "json:$.z", "medium"),
        ("email", "json:$.w", "medium"),
    }


def test_installed_apps_list_and_contacts():
    apps = ["com.tencent.mm", "com.eg.android.AlipayGphone", "com.sina.weibo", "com.taobao.taobao"]
    scan = scan_json({"applist": apps, "contacts": [{"name": "Li", "phone": "13700001111"}], "pkgs": ",".join(apps)})
    assert detected(scan) == {
        ("installed_apps", "json:$.applist[0]", "high"), ("installed_apps", "json:$.pkgs", "high"),
        ("contacts", "json:$.contacts[0].phone", "high"),
    }


def test_location_pair_string_under_location_key():
    scan = scan_json({"loc": "31.2304,121.4737", "note": "31.2304,121.4737"})
    assert detected(scan) == {("location", "json:$.loc", "high")}


@pytest.mark.parametrize("body", [
    {"ts": 1732872000123, "price": "12.99", "amount": 39.91, "score": 116.4},
    {"order_id": "202411291234566", "n": 202411291234566},  # 15 digits, not Luhn
    {"request_id": str(uuid.uuid4()), "trace": str(uuid.uuid4())},  # UUIDs without ad-id keys
    {"sku": "a3f9c2e1b4d5f607", "etag": "0123456789abcdef"},  # 16 hex without an id key
    {"imei": "000000000000000", "adid": "00000000-0000-0000-0000-000000000000", "mac": "02:00:00:00:00:00"},
    {"lat": 12, "lng": 3, "version": "1.2.3.4", "ratio": "0.123456,0.654321"},
    {"text": "Call 400-820-8820 or visit shop.example", "uid": 12345678901234567890},
])
def test_ordinary_traffic_is_not_flagged(body):
    assert scan_json(body).matches == []


def test_15_digits_without_key_or_luhn_in_query_and_path():
    bad = "356938035643808"  # Luhn fails
    scan = scan_flow(flow(f"https://shop.example/order/{bad}?id={bad}&t=1732872000", method="GET"), EMPTY)
    assert scan.matches == []


def test_fast_path_skips_walk_for_plain_traffic():
    scan = scan_json({"title": "Summer sale", "items": [{"name": "Tea", "price": 3.5}]})
    assert scan.leaves == 0 and scan.matches == []
