"""Property tests: any bytes into any decoder, no exception out, bounded time and output."""

from __future__ import annotations

import datetime as dt
import gzip
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.decode import Budget, DecodeLimits, Walker, decode_content, formats
from analyzer.match import IdentifierSet, scan_flow
from analyzer.models.flow import FlowRecord, WebSocketRecord

LIMITS = DecodeLimits(max_decompressed_bytes=1 << 20, max_leaves=2000, max_leaf_chars=1 << 16, max_depth=6)
SETTINGS = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
IDS = IdentifierSet.build([("imei", "356938035643809", "hook"), ("mac", "02:1a:2b:3c:4d:5e", "hook"),
                           ("location", "39.9087243,116.3974965", "hook")])

# bytes that look a little like the real thing: structure characters, magic bytes, base64 alphabet
structured_bytes = st.one_of(
    st.binary(max_size=4096),
    st.text(alphabet='{}[]":,=&%+/ 0123456789abcdefABCDEF.-_eyJ\\\n', max_size=2048).map(str.encode),
    st.binary(max_size=512).map(lambda b: gzip.compress(b)[: len(b) // 2 + 10]),
    st.binary(max_size=64).map(lambda b: b"\x1f\x8b" + b),
    st.binary(max_size=64).map(lambda b: b"\x28\xb5\x2f\xfd" + b),
    st.binary(max_size=256).map(lambda b: bytes([0x82]) + b),
)
encodings = st.sampled_from([None, "gzip", "deflate", "br", "zstd", "gzip, br", "identity", "x-bogus", "GZIP "])
content_types = st.sampled_from(["", "application/json", "application/x-www-form-urlencoded", "text/plain",
                                 "multipart/form-data; boundary=xyz", "multipart/form-data", "application/x-protobuf",
                                 "application/grpc", "application/msgpack", "application/octet-stream"])


def bounded(budget: Budget, leaves) -> None:
    assert len(leaves) <= LIMITS.max_leaves
    assert all(len(leaf.text) <= LIMITS.max_leaf_chars for leaf in leaves)
    assert budget.expanded_bytes <= LIMITS.max_expanded_bytes


@SETTINGS
@given(data=structured_bytes, encoding=encodings)
def test_decode_content_any_bytes(data, encoding):
    budget = Budget(LIMITS)
    t0 = time.perf_counter()
    out, steps = decode_content(data, encoding, budget)
    assert time.perf_counter() - t0 < 1.0
    assert isinstance(out, bytes) and len(out) <= max(LIMITS.max_decompressed_bytes, len(data))
    assert all(isinstance(s, str) for s in steps)


@SETTINGS
@given(data=structured_bytes, ctype=content_types)
def test_walker_any_bytes(data, ctype):
    budget = Budget(LIMITS)
    w = Walker(budget)
    t0 = time.perf_counter()
    w.data(data, "body", (), (), (), 0, ctype)
    assert time.perf_counter() - t0 < 1.5
    bounded(budget, w.leaves)


@SETTINGS
@given(text=st.text(max_size=2048))
def test_walker_any_text(text):
    budget = Budget(LIMITS)
    w = Walker(budget)
    w.text(text, "query", ("q",), (), ("q",))
    bounded(budget, w.leaves)


@SETTINGS
@given(data=st.binary(max_size=2048))
def test_small_parsers_any_bytes(data):
    text = data.decode("latin-1")
    formats.decode_blob(text, 16)
    formats.split_jwt(text)
    formats.split_form(text)
    formats.split_cookies(text)
    formats.looks_like_form(text)
    formats.may_hide_text(text)
    formats.looks_texty(data)
    formats.unpack_msgpack(data)
    fields = formats.parse_protobuf(data, 64)
    assert fields is None or len(fields) <= 64
    parts = formats.multipart_parts(data, "multipart/form-data; boundary=ab", 8)
    assert parts is None or len(parts) <= 8


@SETTINGS
@given(body=structured_bytes, encoding=encodings, ctype=content_types,
       url=st.text(alphabet="abcdefghij0123456789/?&=%.:+", max_size=200),
       header=st.text(max_size=200), ws=st.binary(max_size=512))
def test_scan_flow_any_flow(body, encoding, ctype, url, header, ws):
    headers = [("Content-Type", ctype), ("X-Any", header), ("Cookie", header)]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    f = FlowRecord("POST", "https://h.example/" + url, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                   request_headers=headers, request_body=body, response_headers=headers, response_body=body,
                   websocket=[WebSocketRecord(True, ws, False, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))])
    t0 = time.perf_counter()
    scan = scan_flow(f, IDS, limits=LIMITS, directions=("request", "response", "ws_client", "ws_server"))
    assert time.perf_counter() - t0 < 3.0
    for m in scan.matches:
        assert len(m.excerpt) <= 240 and 0 <= m.excerpt_span[0] <= m.excerpt_span[1] <= len(m.excerpt)
    assert len(scan.notes) <= 100
