"""Builders for realistic tracker requests used by the matching tests.

The device profile is the lab device's; field names are the ones SDKs use.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from analyzer.match import IdentifierSet
from analyzer.match.detectors import luhn_check_digit
from analyzer.models.flow import FlowRecord, WebSocketRecord

IMEI = "356938035643809"
ANDROID_ID = "9774d56d682e549c"
OAID = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e"
AAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
MAC = "02:1a:2b:3c:4d:5e"
BSSID = "64:09:80:aa:bb:cc"
SSID = "LabShop-5G"
IMSI = "460001234567890"
ICCID = "89860012345678901234"
PHONE = "+8613812345678"
EMAIL = "alice.zhang@labshop.example"
LOCATION = "39.9087243,116.3974965"

PROFILE = [
    ("imei", IMEI, "hook"),
    ("android_id", ANDROID_ID, "hook"),
    ("oaid", OAID, "hook"),
    ("aaid", AAID, "hook"),
    ("mac", MAC, "hook"),
    ("bssid", BSSID, "hook"),
    ("ssid", SSID, "hook"),
    ("imsi", IMSI, "hook"),
    ("iccid", ICCID, "hook"),
    ("phone_number", PHONE, "hook"),
    ("email", EMAIL, "profile"),
    ("location", LOCATION, "hook"),
]

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def ids() -> IdentifierSet:
    return IdentifierSet.build(PROFILE)


def flow(url: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None, method: str = "POST",
         **kw) -> FlowRecord:
    return FlowRecord(method=method, url=url, ts_start=NOW, request_headers=headers or [], request_body=body, **kw)


def ws(messages: list[tuple[bool, bytes]]) -> FlowRecord:
    return flow("wss://push.example.net/ws", method="GET",
                websocket=[WebSocketRecord(c, m, True, NOW) for c, m in messages])


def jbytes(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def sha256(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def luhn_complete(body14: str) -> str:
    """The 15-digit number with a valid Luhn check digit."""
    return body14 + luhn_check_digit(body14)


def protobuf_field(number: int, value: bytes | int | float) -> bytes:
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    import struct

    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    if isinstance(value, float):
        return varint(number << 3 | 1) + struct.pack("<d", value)
    return varint(number << 3) + varint(value)
