"""The capture addon under mitmproxy's own test harness (taddons + tflow), on both stores."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip

import pytest
from mitmproxy import exceptions, http
from mitmproxy.test import taddons, tflow

from capture_clients import load_capture_addon
from analyzer.capture.convert import flow_to_record, record_to_flow
from analyzer.store import open_store

_addon = load_capture_addon()
ConsentryCapture, STOPPED_IN_FLIGHT = _addon.ConsentryCapture, _addon.STOPPED_IN_FLIGHT


def _run(coro):
    return asyncio.run(coro)


def _https_flow(body: bytes = b'{"imei":"861234567890123"}') -> http.HTTPFlow:
    f = tflow.tflow(resp=True)
    f.request.scheme = "https"
    f.request.host = "api.example.com"
    f.request.port = 443
    f.request.path = "/collect?x=1"
    f.request.headers["host"] = "api.example.com"
    f.request.headers["content-encoding"] = "gzip"
    f.request.raw_content = gzip.compress(body)
    f.client_conn.tls_version = "TLSv1.3"
    f.client_conn.sni = "api.example.com"
    f.response.headers["x-test"] = "yes"
    f.response.raw_content = b"ok"
    return f


async def _cycle(store_url: str, flows, **options):
    addon = ConsentryCapture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, consentry_db=store_url, consentry_session="s1", **options)
        for f in flows:
            await tctx.cycle(addon, f)
        addon.done()
    return addon


def test_records_flows_errors_and_websockets(store_url):
    wire = _https_flow()
    failed = tflow.tflow(err=True)
    ws = tflow.twebsocketflow()
    _run(_cycle(store_url, [wire, failed, ws]))
    store = open_store(store_url)
    session = store.get_session("s1")
    assert session.status == "finished" and session.ended_at is not None
    flows = list(store.iter_flows(session.id))
    assert len(flows) == 3
    by_url = {f.url: f for f in flows}
    rec = by_url["https://api.example.com/collect?x=1"]
    assert rec.request_body == wire.request.raw_content  # wire bytes, still gzip
    assert gzip.decompress(rec.request_body) == b'{"imei":"861234567890123"}'
    assert rec.tls and rec.tls_version == "TLSv1.3" and rec.sni == "api.example.com"
    assert rec.ts_start.tzinfo is not None and rec.ts_start == dt.datetime.fromtimestamp(wire.request.timestamp_start, dt.timezone.utc)
    assert rec.header("x-test", response=True) == "yes" and rec.status_code == 200
    assert rec.client_addr == "127.0.0.1:22" and rec.server_addr == "192.168.0.1:22"
    err = [f for f in flows if f.error]
    assert len(err) == 1 and err[0].error == failed.error.msg and err[0].status_code is None
    sock = by_url["http://example.com/ws"]
    assert [(m.from_client, m.is_text, m.content) for m in sock.websocket] == [
        (m.from_client, m.is_text, m.content) for m in ws.websocket.messages
    ]
    assert all(m.ts.tzinfo is not None for m in sock.websocket)


def test_websocket_handshake_waits_for_close(sqlite_url):
    addon = ConsentryCapture()
    ws = tflow.twebsocketflow()

    async def go():
        with taddons.context(addon) as tctx:
            tctx.configure(addon, consentry_db=sqlite_url, consentry_session="s1")
            addon.request(ws)
            addon.response(ws)
            assert addon.recorded == 0  # the 101 alone is not the whole exchange
            addon.websocket_end(ws)
            assert addon.recorded == 1
            addon.done()

    _run(go())


def test_in_flight_flows_are_kept_at_shutdown(sqlite_url):
    addon = ConsentryCapture()
    pending = tflow.tflow()

    async def go():
        with taddons.context(addon) as tctx:
            tctx.configure(addon, consentry_db=sqlite_url, consentry_session="s1", consentry_owns_status=False)
            addon.request(pending)
            addon.done()

    _run(go())
    store = open_store(sqlite_url)
    session = store.get_session("s1")
    (flow,) = list(store.iter_flows(session.id))
    assert flow.error == STOPPED_IN_FLIGHT
    assert session.status == "recording"  # a runner owns the status


def test_long_bodies_are_cut_and_flagged(sqlite_url):
    f = tflow.tflow(resp=True)
    f.request.raw_content = b"a" * 5000
    _run(_cycle(sqlite_url, [f], consentry_max_body=1000))
    store = open_store(sqlite_url)
    (rec,) = list(store.iter_flows(store.get_session("s1").id))
    assert rec.request_body == b"a" * 1000 and rec.request_truncated and rec.request_body_size == 5000


@pytest.mark.parametrize(
    "options, message",
    [
        ({"consentry_session": None}, "consentry_session is required"),
        ({"consentry_session": "a/b"}, "invalid session name"),
        ({"consentry_session": "s", "consentry_batch_interval": "0"}, "consentry_batch_interval"),
        ({"consentry_session": "s", "consentry_max_body": -1}, "consentry_max_body"),
        ({"consentry_session": "s", "consentry_app": "bad app"}, "invalid app"),
        ({"consentry_session": "s", "consentry_db": "mysql://x/y"}, "unsupported database"),
    ],
)
def test_configure_rejects_bad_options(sqlite_url, options, message):
    addon = ConsentryCapture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, consentry_db=sqlite_url, consentry_session="valid")
        with pytest.raises(exceptions.OptionsError, match=message):
            tctx.configure(addon, **options)
        addon.done()


def test_non_utf8_headers_are_stored_on_every_backend(store_url):
    f = tflow.tflow(resp=True)
    f.request.headers.fields = f.request.headers.fields + ((b"x-raw", b"caf\xe9\x00"),)
    _run(_cycle(store_url, [f]))
    store = open_store(store_url)
    (rec,) = list(store.iter_flows(store.get_session("s1").id))
    assert rec.header("x-raw") == "caf\u00e9\ufffd"
    assert any("latin-1" in w for w in rec.meta["warnings"])


def test_record_to_flow_round_trips():
    original = _https_flow()
    original.websocket = tflow.twebsocket()
    record = flow_to_record(original)
    again = flow_to_record(record_to_flow(record))
    for field in ("method", "url", "http_version", "request_headers", "request_body", "status_code",
                  "response_headers", "response_body", "ts_start", "ts_request_end", "ts_response_start",
                  "tls", "tls_version", "sni", "client_addr", "server_addr", "error"):
        assert getattr(again, field) == getattr(record, field), field
    assert [(m.from_client, m.content, m.is_text, m.ts) for m in again.websocket] == [
        (m.from_client, m.content, m.is_text, m.ts) for m in record.websocket
    ]
