"""Hostile bodies: bombs, lying headers, deep nesting, invalid UTF-8. Always a note, never a crash."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import time
import zlib

import brotli
import pytest
import zstandard

from analyzer.decode import Budget, DecodeLimits, decode_content, walk_request
from analyzer.match import IdentifierSet, scan_flow
from analyzer.models.flow import FlowRecord

IMEI = "356938035643809"
IDS = IdentifierSet.build([("imei", IMEI, "hook")])


def flow(body: bytes, headers: list[tuple[str, str]]) -> FlowRecord:
    return FlowRecord("POST", "https://t.example/c", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                      request_headers=headers, request_body=body)


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of zeros as 64 gzip members of 16 MiB each (about 1 MB on the wire)."""
    member = gzip.compress(b"\0" * (16 << 20), compresslevel=9)
    return member * 64


def test_gzip_bomb_is_capped_quickly_with_a_note(gzip_bomb):
    limits = DecodeLimits(max_decompressed_bytes=8 << 20)
    t0 = time.perf_counter()
    out, steps = decode_content(gzip_bomb, "gzip", budget := Budget(limits))
    elapsed = time.perf_counter() - t0
    assert steps == ("gzip",) and len(out) == 8 << 20
    assert elapsed < 2.0
    assert any("decompression stopped" in n and "bomb" in n for n in budget.notes)


def test_gzip_bomb_through_scan_flow_keeps_the_prefix_data(gzip_bomb):
    body = gzip.compress(json.dumps({"imei": IMEI}).encode() + b" ") + gzip_bomb
    t0 = time.perf_counter()
    scan = scan_flow(flow(body, [("Content-Encoding", "gzip")]), IDS, limits=DecodeLimits(max_decompressed_bytes=4 << 20))
    assert time.perf_counter() - t0 < 5.0
    assert any("bomb" in n for n in scan.notes)
    assert [m.pii_type for m in scan.matches] == ["imei"]


@pytest.mark.parametrize("encoding,compress", [
    ("deflate", lambda b: zlib.compress(b, 9)),
    ("br", lambda b: brotli.compress(b, quality=1)),
    ("zstd", lambda b: zstandard.ZstdCompressor().compress(b)),
])
def test_other_bombs_hit_the_ratio_cap(encoding, compress):
    payload = compress(b"A" * (16 << 20))
    budget = Budget(DecodeLimits(max_ratio=100))
    out, _ = decode_content(payload, encoding, budget)
    assert len(out) <= max(len(payload) * 100, 64 * 1024)
    assert any("ratio" in n for n in budget.notes)


def test_lying_content_encoding_is_scanned_as_sent():
    body = json.dumps({"imei": IMEI}).encode()
    scan = scan_flow(flow(body, [("Content-Encoding", "gzip"), ("Content-Type", "application/json")]), IDS)
    assert [(m.path, m.encoding) for m in scan.matches] == [("json:$.imei", ("json:$.imei",))]
    assert any("declared but body is not gzip" in n for n in scan.notes)


def test_undeclared_and_truncated_compression():
    packed = gzip.compress(json.dumps({"imei": IMEI, "pad": [i * 7919 % 100003 for i in range(3000)]}).encode())
    scan = scan_flow(flow(packed, []), IDS)
    assert [m.encoding for m in scan.matches] == [("gzip", "json:$.imei")]
    assert any("without a content-encoding header" in n for n in scan.notes)
    budget = Budget(DecodeLimits())
    out, steps = decode_content(packed[: len(packed) // 2], "gzip", budget)
    assert steps == ("gzip",) and out.startswith(b'{"imei"') and any("truncated" in n for n in budget.notes)


def test_100k_deep_json_does_not_recurse_to_death():
    deep = b"[" * 100_000 + json.dumps(IMEI).encode() + b"]" * 100_000
    scan = scan_flow(flow(deep, [("Content-Type", "application/json")]), IDS)
    assert any("nested too deeply" in n for n in scan.notes)
    assert [m.pii_type for m in scan.matches] == ["imei"]  # still found, as text


def test_json_deeper_than_the_walk_limit_is_noted():
    doc = {"imei": IMEI}
    for _ in range(200):
        doc = {"a": doc}
    budget = Budget(DecodeLimits(max_json_depth=50))
    leaves = walk_request(flow(json.dumps(doc).encode(), [("Content-Type", "application/json")]), budget)
    assert not any(leaf.text == IMEI for leaf in leaves)
    assert any("nested deeper than 50" in n for n in budget.notes)


def test_invalid_utf8_body():
    body = b"\xff\xfe imei=" + IMEI.encode() + b" \xc3\x28 \xed\xa0\x80"
    scan = scan_flow(flow(body, [("Content-Type", "text/plain")]), IDS)
    assert [m.pii_type for m in scan.matches] == ["imei"]


def test_nested_base64_stops_at_max_depth():
    text = json.dumps({"imei": IMEI})
    for _ in range(12):
        text = base64.b64encode(text.encode()).decode()
    scan = scan_flow(flow(json.dumps({"d": text}).encode(), [("Content-Type", "application/json")]), IDS,
                     limits=DecodeLimits(max_depth=6))
    assert scan.matches == [] and any("nesting deeper than 6" in n for n in scan.notes)


def test_leaf_limit():
    body = json.dumps({f"k{i}": f"value-{i}" for i in range(5000)} | {"imei": IMEI}).encode()
    budget = Budget(DecodeLimits(max_leaves=100))
    leaves = walk_request(flow(body, [("Content-Type", "application/json")]), budget)
    assert len(leaves) == 100 and any("leaf limit" in n for n in budget.notes)


def test_oversized_body_is_cut_with_a_note():
    budget = Budget(DecodeLimits(max_input_bytes=1000))
    out, _ = decode_content(b"x" * 5000, None, budget)
    assert len(out) == 1000 and any("max_input_bytes" in n for n in budget.notes)


def test_limits_are_validated():
    with pytest.raises(ValueError, match="max_depth"):
        DecodeLimits(max_depth=0)
