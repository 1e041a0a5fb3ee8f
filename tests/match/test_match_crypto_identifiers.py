"""Variant generation, the variants file, and ciphertext/digest links from crypto events."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from analyzer.match import CryptoIndex, IdentifierSet, scan_flow
from analyzer.models.events import CryptoEvent
from match_corpus import IMEI, MAC, OAID, b64, flow, ids, jbytes

JSON = [("Content-Type", "application/json")]


def test_variants_carry_their_chain_and_identifier():
    s = IdentifierSet.build([("mac", MAC, "hook"), ("imei", IMEI, "hook")])
    by_text = {v.text: v for v in s.variants}
    assert by_text["021A2B3C4D5E"].transforms == ("mac-no-separator", "upper")
    assert by_text["02-1a-2b-3c-4d-5e"].transforms == ("mac-dash", "lower")
    md5_upper = hashlib.md5(IMEI.encode()).hexdigest().upper()
    assert by_text[md5_upper].transforms == ("md5", "upper") and by_text[md5_upper].identifier.kind == "imei"
    sha_b64 = base64.b64encode(hashlib.sha256(b"021A2B3C4D5E").digest()).decode()
    assert by_text[sha_b64].transforms == ("mac-no-separator", "upper", "sha256", "base64")
    assert by_text[IMEI.encode().hex()].transforms == ("hex",)


def test_generic_and_short_values_are_skipped():
    s = IdentifierSet.build([("mac", "02:00:00:00:00:00", "hook"), ("serial", "unknown", "hook"),
                             ("imei", "000000000000000", "hook"), ("device_name", "abc", "hook")])
    assert [i.kind for i in s.identifiers] == ["device_name"]
    texts = {v.text for v in s.variants}
    assert "abc" not in texts and "ABC" not in texts and "616263" in texts
    assert min(len(t) for t in texts) >= 6


def test_location_variants_and_minimum_decimals():
    s = IdentifierSet.build([("location", "39.9087243,116.3974965", "hook")], location_min_decimals=3)
    texts = {v.text: v for v in s.variants}
    assert texts["39.9087"].transforms == ("lat", "round-4") and not texts["39.9087"].needs_context
    assert texts["39.908"].transforms == ("lat", "truncate-3") and texts["39.908"].needs_context
    assert texts["116397497"].transforms == ("lon", "microdegrees")
    assert texts["399087243"].transforms == ("lat", "e7")
    assert "116.3975,39.9087" in texts and texts["116.3975,39.9087"].transforms == ("round-4", "swap")
    assert "39.91" not in texts  # below the configured minimum


def test_variants_file(tmp_path):
    s = ids()
    n = s.variants_file(tmp_path / "v.txt")
    lines = (tmp_path / "v.txt").read_text().splitlines()
    assert n == len(lines) == len(set(lines)) and IMEI in lines and hashlib.md5(IMEI.encode()).hexdigest() in lines


def _aes_event(plaintext: bytes) -> tuple[CryptoEvent, bytes]:
    key, iv = os.urandom(16), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ct = enc.update(padder.update(plaintext) + padder.finalize()) + enc.finalize()
    ev = CryptoEvent(ts=1, op="encrypt", algorithm="AES/CBC/PKCS5Padding", input_b64=b64(plaintext), output_b64=b64(ct))
    return ev, ct


def test_encrypted_payload_is_analysed_through_its_plaintext():
    ev, ct = _aes_event(jbytes({"imei": IMEI, "oaid": OAID}))
    crypto = CryptoIndex.build([ev])
    f = flow("https://api-access.pangolin-sdk-toutiao.com/api/ad/union/sdk/get_ads/", b64(ct).encode(),
             [("Content-Type", "text/plain")])
    assert [m for m in scan_flow(f, ids()).matches if m.known] == []  # without the index: opaque
    scan = scan_flow(f, ids(), crypto)
    step = "aes-cbc-decrypt:AES/CBC/PKCS5Padding"
    assert {(m.pii_type, m.path, m.encoding) for m in scan.matches} == {
        ("imei", "json:$.imei", ("base64", step, "json:$.imei")),
        ("oaid", "json:$.oaid", ("base64", step, "json:$.oaid")),
    }


def test_ciphertext_inside_json_field_as_hex_and_raw_binary_body():
    ev, ct = _aes_event(jbytes({"imei": IMEI}))
    crypto = CryptoIndex.build([ev])
    scan = scan_flow(flow("https://mi.gdt.qq.com/gdt_mview.fcg", jbytes({"ext": {"enc": ct.hex()}}), JSON), ids(), crypto)
    assert [(m.path, m.encoding) for m in scan.matches if m.pii_type == "imei"] == [
        ("json:$.ext.enc > json:$.imei", ("json:$.ext.enc", "hex", "aes-cbc-decrypt:AES/CBC/PKCS5Padding", "json:$.imei"))]
    raw = scan_flow(flow("https://mi.gdt.qq.com/raw", b"\x00\x01" + ct, [("Content-Type", "application/octet-stream")]),
                    ids(), crypto)
    assert [m.encoding for m in raw.matches if m.pii_type == "imei"] == [
        ("aes-cbc-decrypt:AES/CBC/PKCS5Padding", "json:$.imei")]


def test_salted_digest_links_back_to_its_input():
    salted = f"lab-salt:{IMEI}".encode()
    digest = hashlib.md5(salted).digest()
    ev = CryptoEvent(ts=1, op="digest", algorithm="MD5", input_b64=b64(salted), output_b64=b64(digest))
    body = jbytes({"dt": digest.hex()})
    assert scan_flow(flow("https://ulogs.umeng.com/x", body, JSON), ids()).matches == []
    scan = scan_flow(flow("https://ulogs.umeng.com/x", body, JSON), ids(), CryptoIndex.build([ev]))
    assert [(m.pii_type, m.path, m.encoding) for m in scan.matches] == [
        ("imei", "json:$.dt", ("json:$.dt", "hex", "md5-preimage:MD5"))]


def test_encode_events_and_bad_events_are_handled():
    ev = CryptoEvent(ts=1, op="encode", algorithm="android.util.Base64", input_b64=b64(MAC), output_b64=b64(b64(MAC)))
    broken = CryptoEvent(ts=1, op="encrypt", algorithm="AES", input_b64="!!!", output_b64="")
    index = CryptoIndex.build([ev, broken])
    assert len(index) == 1
    assert index.plaintexts_in_text(f"x={b64(MAC)}") == [(("base64-decode:android.util.Base64",), MAC.encode())]
