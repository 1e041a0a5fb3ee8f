"""Live flows straight to rows (analyzer/capture/rows.py) give what the general way gives."""

from __future__ import annotations

import pickle
import uuid

import pytest
from mitmproxy import http
from mitmproxy.test import tflow

from analyzer.capture.convert import record_from_snapshot, snapshot
from analyzer.capture.rows import CapturedFlow
from analyzer.models import FlowRecord
from analyzer.store.bulk_flows import BulkFlows
from analyzer.store.fit import MAX_HEADER_CHARS

T = 1_780_000_000.123456


def _flow(url: str = "https://api.example.com/v1/x?i=1", *, method: str = "POST", body: bytes = b"imei=1",
          response: bool = True, **request_headers: str) -> http.HTTPFlow:
    flow = tflow.tflow()
    flow.request = http.Request.make(method, url, body, {"host": "api.example.com", **request_headers})
    flow.request.timestamp_start, flow.request.timestamp_end = T, T + 0.001
    if response:
        flow.response = http.Response.make(200, b"ok", {"content-type": "text/plain"})
        flow.response.timestamp_start, flow.response.timestamp_end = T + 0.01, T + 0.02
    flow.client_conn.timestamp_tls_setup, flow.client_conn.tls_version = T, "TLSv1.3"
    flow.client_conn.sni, flow.client_conn.alpn = "api.example.com", b"http/1.1"
    flow.server_conn.tls_version, flow.server_conn.peername = "TLSv1.3", ("10.0.0.1", 443)
    return flow


def _changed(flow: http.HTTPFlow, change) -> http.HTTPFlow:
    change(flow)
    return flow


def _set(obj, **values):
    def change(flow):
        target = flow.response if obj == "response" else flow.request if obj == "request" else getattr(flow, obj)
        for name, value in values.items():
            setattr(target, name, value)
    return change


def _header(obj: str, name: bytes, value: bytes):
    def change(flow):
        (flow.response if obj == "response" else flow.request).headers.fields += ((name, value),)
    return change


PLAIN = {
    "https": _flow(),
    "http, default port": _flow("http://api.example.com/a"),
    "other port, lower-case method, no version": _changed(_flow("http://api.example.com:8080/b?q=1", method="get"),
                                                          _set("request", http_version=b"")),
    "no alpn, no tls on the server side": _changed(_flow(), lambda f: (setattr(f.client_conn, "alpn", None),
                                                                       setattr(f.server_conn, "tls_version", None))),
    "not connected upstream": _changed(_flow(), lambda f: setattr(f.server_conn, "peername", None)),
    "empty bodies, reason": _changed(_flow(body=b""), _set("response", content=b"", reason=b"Fine")),
    "quotes and backslashes in headers": _changed(_flow(), _header("request", b"x-q", b'"a\\b"')),
    "body cut by the addon": _flow(body=b"z" * 5000),
    "asterisk form": _changed(_flow(method="OPTIONS"), _set("request", path=b"*")),
}
GENERAL = {
    "IP host with a Host header": _flow("https://10.1.2.3/x"),
    "non-ASCII header": _changed(_flow(), _header("request", b"x-name", "Jos\xe9".encode("latin-1"))),
    "NUL in a header": _changed(_flow(), _header("response", b"x-nul", b"a\x00b")),
    "latin-1 reason": _changed(_flow(), _set("response", reason="S\xfcper".encode("latin-1"))),
    "status out of range": _changed(_flow(), _set("response", status_code=9_999_999_999)),
    "huge header": _changed(_flow(), _header("request", b"x-big", b"a" * (MAX_HEADER_CHARS + 1))),
    "no response": _flow(response=False),
    "error": _changed(_flow(), lambda f: setattr(f, "error", tflow.terr())),
    "websocket": tflow.twebsocketflow(),
    "streamed body": _changed(_flow(), _set("response", content=None)),
    "non-ASCII path": _changed(_flow(), _set("request", path="/caf\xe9".encode("utf-8"))),
    "long method": _flow(method="X" * 40),
}


@pytest.fixture
def bulk(store):
    return BulkFlows(store), store.create_session(f"rows-{uuid.uuid4().hex[:6]}").id


def _both_ways(bulk_and_session, flow: http.HTTPFlow, max_body: int | None = 1000):
    bulk, sid = bulk_and_session
    captured = CapturedFlow(snapshot(flow), max_body)
    captured.id = str(uuid.uuid4())
    direct_bodies, general_bodies = {}, {}
    direct = captured.store_row(bulk, sid, direct_bodies)
    record = record_from_snapshot(snapshot(flow), max_body=max_body)
    record.id = captured.id
    general = bulk.prepare(sid, record, general_bodies)
    return direct, general, direct_bodies, general_bodies


@pytest.mark.parametrize("name", PLAIN)
def test_plain_flows_go_straight_to_the_row_the_general_way_makes(bulk, name):
    direct, general, direct_bodies, general_bodies = _both_ways(bulk, PLAIN[name])
    assert direct is not None, name
    assert direct == general
    assert direct_bodies == general_bodies


@pytest.mark.parametrize("name", GENERAL)
def test_other_flows_take_the_general_way(bulk, name):
    direct, general, _d, _g = _both_ways(bulk, GENERAL[name])
    assert direct is None, name
    assert general[0]  # the general way makes a row for each of them


def test_a_body_the_store_cuts_takes_the_general_way(bulk, store):
    old, store.max_body_bytes = store.max_body_bytes, 100
    try:
        direct, general, _d, _g = _both_ways(bulk, _flow(body=b"y" * 500), max_body=None)
    finally:
        store.max_body_bytes = old
    assert direct is None and general[0][14] is True  # request_truncated


def test_captured_flows_are_stored_and_spooled_as_their_records(store):
    sid = store.create_session("captured").id
    flows = [CapturedFlow(snapshot(f), None) for f in (*PLAIN.values(), *GENERAL.values())]
    for f in flows:
        f.id = str(uuid.uuid4())
    ids = BulkFlows(store).add_flows(sid, flows)
    assert ids == [f.id for f in flows]
    stored = {f.id: f for f in store.iter_flows(sid)}
    for f in flows:
        record = f.record()
        assert (stored[f.id].url, stored[f.id].request_body, stored[f.id].status_code) == \
               (record.url, record.request_body, record.status_code if record.status_code != 9_999_999_999 else None)
    kept = pickle.loads(pickle.dumps(flows[0]))
    assert type(kept) is FlowRecord and kept.id == flows[0].id and kept.url == flows[0].url
