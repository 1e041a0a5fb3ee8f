"""Realistic tracker requests: every encoding, exact type, location, path and chain."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from urllib.parse import quote

import brotli
import msgpack
import pytest
import zstandard

from analyzer.match import scan_flow
from match_corpus import (
    AAID, ANDROID_ID, BSSID, EMAIL, ICCID, IMEI, IMSI, LOCATION, MAC, OAID, PHONE, SSID,
    b64, flow, ids, jbytes, md5, protobuf_field, ws,
)

JSON = [("Content-Type", "application/json")]
FORM = [("Content-Type", "application/x-www-form-urlencoded")]


@pytest.fixture(scope="module")
def idset():
    return ids()


def found(scan, pii_type):
    return [(m.location, m.path, m.encoding) for m in scan.matches if m.pii_type == pii_type and m.known]


def test_umeng_like_gzip_json_md5_imei_and_plain_android_id(idset):
    body = gzip.compress(jbytes({"header": {"imei_md5": md5(IMEI), "android_id": ANDROID_ID, "appkey": "5f1a"}}))
    scan = scan_flow(flow("https://ulogs.umeng.com/unify_logs", body, JSON + [("Content-Encoding", "gzip")]), idset)
    assert found(scan, "imei") == [("body", "json:$.header.imei_md5", ("gzip", "json:$.header.imei_md5", "md5"))]
    assert found(scan, "android_id") == [("body", "json:$.header.android_id", ("gzip", "json:$.header.android_id"))]
    imei = next(m for m in scan.matches if m.pii_type == "imei")
    assert imei.confidence == "high" and imei.identifier_source == "hook" and imei.value == IMEI
    assert imei.excerpt[imei.excerpt_span[0]:imei.excerpt_span[1]] == md5(IMEI) == imei.matched


def test_talkingdata_like_form_hashes_base64_and_gzip_json_field(idset):
    mac_sha256 = hashlib.sha256(MAC.replace(":", "").upper().encode()).digest()
    inner = b64(gzip.compress(jbytes({"oaid": OAID, "ssid": SSID})))
    form = "&".join([
        f"imei={hashlib.md5(IMEI.encode()).hexdigest().upper()}",
        f"mac={quote(b64(mac_sha256), safe='')}",
        f"aid={b64(ANDROID_ID)}",
        f"data={quote(inner, safe='')}",
        f"ext={quote(jbytes({'gaid': AAID}).decode(), safe='')}",
    ]).encode()
    scan = scan_flow(flow("https://tdcv3.talkingdata.com/g/d", form, FORM), idset)
    assert found(scan, "imei") == [("body", "form:imei", ("form:imei", "upper", "md5"))]
    assert found(scan, "mac") == [("body", "form:mac", ("form:mac", "base64", "sha256", "upper", "mac-no-separator"))]
    assert found(scan, "android_id") == [("body", "form:aid", ("form:aid", "base64"))]
    assert found(scan, "oaid") == [("body", "form:data > json:$.oaid", ("form:data", "base64", "gzip", "json:$.oaid"))]
    assert found(scan, "ssid") == [("body", "form:data > json:$.ssid", ("form:data", "base64", "gzip", "json:$.ssid"))]
    assert found(scan, "aaid") == [("body", "form:ext > json:$.gaid", ("form:ext", "json:$.gaid"))]


def test_query_header_cookie_and_path(idset):
    url = f"https://app.adjust.com/session/{OAID}/ping?gps_adid={AAID}&andi={ANDROID_ID}&mail={quote(EMAIL)}"
    headers = [("X-Device-Id", IMEI), ("Cookie", f"sid=abcdef; did={md5(ANDROID_ID).upper()}"), ("User-Agent", "okhttp/4.9")]
    scan = scan_flow(flow(url, b"", headers, method="GET"), idset)
    assert found(scan, "oaid") == [("path", "segment[1]", ())]
    assert found(scan, "aaid") == [("query", "gps_adid", ())]
    assert sorted(found(scan, "android_id")) == [("cookie", "did", ("upper", "md5")), ("query", "andi", ())]
    assert found(scan, "email") == [("query", "mail", ())]
    assert found(scan, "imei") == [("header", "X-Device-Id", ())]


@pytest.mark.parametrize("name,compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("br", brotli.compress),
    ("zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
])
def test_content_encodings(idset, name, compress):
    body = compress(jbytes({"events": [{"mc": MAC.replace(":", "").upper(), "wifi": {"bssid": BSSID}}]}))
    scan = scan_flow(flow("https://collect.sensorsdata.cn/sa", body, JSON + [("Content-Encoding", name)]), idset)
    assert found(scan, "mac") == [("body", "json:$.events[0].mc", (name, "json:$.events[0].mc", "upper", "mac-no-separator"))]
    assert found(scan, "bssid") == [("body", "json:$.events[0].wifi.bssid", (name, "json:$.events[0].wifi.bssid"))]
    assert scan.notes == []


def test_multipart_jwt_hex_and_base64url(idset):
    boundary = "----lab1234"
    token_payload = b64(jbytes({"sub": "u1", "imei": IMEI})).replace("+", "-").replace("/", "_").rstrip("=")
    token = "eyJhbGciOiJIUzI1NiJ9." + token_payload + ".c2ln"
    parts = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n"
        + jbytes({"device": {"imsi": IMSI}}).decode()
        + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"blob\"\r\n\r\n"
        + jbytes({"p": PHONE}).hex()
        + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
        + b64(ANDROID_ID).rstrip("=")
        + f"\r\n--{boundary}--\r\n"
    ).encode()
    headers = [("Content-Type", f"multipart/form-data; boundary={boundary}"), ("Authorization", f"Bearer {token}")]
    scan = scan_flow(flow("https://api.jpush.cn/v3/report", parts, headers), idset)
    assert found(scan, "imsi") == [("body", "multipart:meta > json:$.device.imsi", ("multipart:meta", "json:$.device.imsi"))]
    assert found(scan, "phone_number") == [("body", "multipart:blob > json:$.p", ("multipart:blob", "hex", "json:$.p"))]
    assert found(scan, "android_id") == [("body", "multipart:e", ("multipart:e", "base64-unpadded"))]
    assert ("header", "Authorization > jwt:payload > json:$.imei",
            ("jwt:payload", "json:$.imei")) in found(scan, "imei")


def test_protobuf_and_msgpack_bodies(idset):
    lat, lon = (float(x) for x in LOCATION.split(","))
    proto = protobuf_field(1, IMEI.encode()) + protobuf_field(2, protobuf_field(1, lat) + protobuf_field(2, lon))
    scan = scan_flow(flow("https://mobads.baidu.com/api", proto, [("Content-Type", "application/x-protobuf")]), idset)
    assert found(scan, "imei") == [("body", "proto:1", ("protobuf", "proto:1"))]
    assert sorted(found(scan, "location")) == [
        ("body", "proto:2.1", ("protobuf", "proto:2.1", "lat")), ("body", "proto:2.2", ("protobuf", "proto:2.2", "lon"))]

    packed = msgpack.packb({"dev": {"iccid": ICCID, "mac": MAC.upper()}})
    scan = scan_flow(flow("https://log.tbs.qq.com/ajax", packed, [("Content-Type", "application/octet-stream")]), idset)
    assert found(scan, "iccid") == [("body", "msgpack:$.dev.iccid", ("msgpack", "msgpack:$.dev.iccid"))]
    assert found(scan, "mac") == [("body", "msgpack:$.dev.mac", ("msgpack", "msgpack:$.dev.mac", "upper", "mac-colon"))]


def test_location_variants_need_precision_or_context(idset):
    body = jbytes({"lbs": {"lat": 39.9087, "lng": 116.3975}, "lat_e7": 399087243, "pos": "116.397,39.909"})
    scan = scan_flow(flow("https://restapi.amap.com/v3/geo", body, JSON), idset)
    loc = {(m.path, m.encoding) for m in scan.matches if m.pii_type == "location" and m.known}
    assert ("json:$.lbs.lat", ("json:$.lbs.lat", "round-4", "lat")) in loc
    assert ("json:$.lat_e7", ("json:$.lat_e7", "e7", "lat")) in loc
    assert ("json:$.pos", ("json:$.pos", "swap", "round-3")) in loc

    # two decimals: only next to a location key or the other coordinate
    keyed = scan_flow(flow("https://restapi.amap.com/v3/ip", jbytes({"latitude": "39.91", "longitude": "116.40"}), JSON), idset)
    assert {m.path for m in keyed.matches if m.pii_type == "location"} == {"json:$.latitude", "json:$.longitude"}
    alone = scan_flow(flow("https://shop.example/cart", jbytes({"price": "39.91", "qty": 2}), JSON), idset)
    assert [m for m in alone.matches if m.pii_type == "location"] == []


def test_sha256_of_upper_and_base64_digest_and_url_encoding(idset):
    body = jbytes({
        "u": hashlib.sha256(ANDROID_ID.upper().encode()).hexdigest(),
        "m": b64(hashlib.sha1(MAC.upper().encode()).digest()),
        "oaid_sha512": hashlib.sha512(OAID.encode()).hexdigest().upper(),
    })
    scan = scan_flow(flow("https://api.appsflyer.com/install", body, JSON), idset)
    assert found(scan, "android_id") == [("body", "json:$.u", ("json:$.u", "sha256", "upper"))]
    assert found(scan, "mac") == [("body", "json:$.m", ("json:$.m", "base64", "sha1", "upper", "mac-colon"))]
    assert found(scan, "oaid") == [("body", "json:$.oaid_sha512", ("json:$.oaid_sha512", "upper", "sha512"))]


def test_json_string_inside_json_and_sha224_sha384(idset):
    body = jbytes({"payload": jbytes({"h1": hashlib.sha224(IMEI.encode()).hexdigest(),
                                      "h2": hashlib.sha384(IMEI.encode()).hexdigest()}).decode()})
    scan = scan_flow(flow("https://h.trace.qq.com/kv", body, JSON), idset)
    assert sorted(found(scan, "imei")) == [
        ("body", "json:$.payload > json:$.h1", ("json:$.payload", "json:$.h1", "sha224")),
        ("body", "json:$.payload > json:$.h2", ("json:$.payload", "json:$.h2", "sha384")),
    ]


def test_websocket_and_response_only_when_asked(idset):
    f = ws([(True, jbytes({"cmd": "bind", "android_id": ANDROID_ID})), (False, b'{"ok":true}')])
    assert scan_flow(f, idset).matches == []
    scan = scan_flow(f, idset, directions=("ws_client",))
    assert [(m.location, m.path, m.direction) for m in scan.matches] == [
        ("websocket", "message[0] > json:$.android_id", "ws_client")]

    r = flow("https://api.labshop.example/me", b"", [], method="GET", response_body=jbytes({"imei": IMEI}),
             response_headers=[("Content-Type", "application/json")])
    assert scan_flow(r, idset).matches == []
    assert found(scan_flow(r, idset, directions=("request", "response")), "imei") == [("body", "json:$.imei", ("json:$.imei",))]


def test_bad_direction_is_a_clear_error(idset):
    with pytest.raises(ValueError, match="unknown direction"):
        scan_flow(flow("https://x.example/"), idset, directions=("sideways",))


def test_dedup_one_match_per_type_value_location_path(idset):
    body = jbytes({"imei": IMEI, "dup": f"{IMEI} {IMEI} {IMEI}"})
    scan = scan_flow(flow("https://x.example/a", body, JSON), idset)
    assert sorted(found(scan, "imei")) == [("body", "json:$.dup", ("json:$.dup",)), ("body", "json:$.imei", ("json:$.imei",))]


def test_excerpt_is_bounded_and_spans_the_hit(idset):
    long_text = "x" * 1000 + " " + IMEI + " " + "y" * 1000
    scan = scan_flow(flow("https://x.example/a", long_text.encode(), [("Content-Type", "text/plain")]), idset)
    (m,) = [m for m in scan.matches if m.pii_type == "imei"]
    assert len(m.excerpt) <= 240
    assert m.excerpt[m.excerpt_span[0]:m.excerpt_span[1]] == IMEI
