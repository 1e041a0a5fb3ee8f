"""mitmproxy flows <-> FlowRecords.

The capture addon and the ``.mitm`` importer turn mitmproxy ``HTTPFlow`` objects into
FlowRecords (bodies as sent on the wire, timestamps as aware UTC); the ``.mitm``
exporter turns stored FlowRecords back into real ``HTTPFlow`` objects that
``mitmproxy -r`` opens. On the live proxy only ``snapshot`` runs on the event loop (it
copies references, nothing else); the writer thread makes the record. Bodies are not
copied unless cut; nothing here hashes, decompresses or does I/O.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import typing
import uuid
from typing import Any
from urllib.parse import urlsplit

from mitmproxy import connection, flow as mflow, http, websocket
from wsproto.frame_protocol import Opcode

from analyzer.models.flow import FlowRecord, WebSocketRecord

UTC = dt.timezone.utc


def _when(ts: float | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ts, UTC) if ts else None


def _epoch(value: dt.datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def clean_text(value: str | bytes, warnings: list[str] | None = None, what: str = "text") -> str:
    """A string every store backend accepts: valid UTF-8 (latin-1 fallback), no NUL.

    mitmproxy surrogate-escapes bytes that are not UTF-8; JSON columns on PostgreSQL
    reject lone surrogates and NUL, so such text is re-decoded and the change noted.
    """
    if isinstance(value, str):
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # lone surrogates that are not escaped bytes (e.g. from JSON)
            raw = value.encode("utf-8", "surrogatepass")
    else:
        raw = value
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        if warnings is not None:
            warnings.append(f"{what} is not UTF-8; stored as latin-1")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        if warnings is not None:
            warnings.append(f"{what} contained NUL characters; replaced with U+FFFD")
    return text


def _headers(headers: http.Headers, warnings: list[str], what: str) -> list[tuple[str, str]]:
    fields = headers.fields
    flat = b"".join([part for field in fields for part in field])
    if flat.isascii() and b"\x00" not in flat:  # the common case, checked once for all fields
        return [(k.decode("ascii"), v.decode("ascii")) for k, v in fields]
    try:  # valid UTF-8, no NUL
        pairs = [(k.decode("utf-8"), v.decode("utf-8")) for k, v in fields]
        if b"\x00" not in flat:
            return pairs
    except UnicodeDecodeError:
        pass
    return [(clean_text(k, warnings, f"{what} header name"), clean_text(v, warnings, f"{what} header {k!r}"))
            for k, v in fields]


def _addr(address: Any) -> str | None:
    if not address:
        return None
    host, port = address[0], address[1]
    if not port and host in ("", "0.0.0.0", "::"):  # the placeholder an export writes for "unknown"
        return None
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def _body(message: http.Message | None, max_body: int | None) -> tuple[bytes, int | None, bool, str | None]:
    """(stored bytes, original size if cut, truncated, warning)."""
    if message is None:
        return b"", None, False, None
    raw = message.raw_content
    if raw is None:  # streamed past the proxy (stream_large_bodies): never buffered
        return b"", None, True, "body was streamed by the proxy and not recorded"
    if max_body and len(raw) > max_body:
        return raw[:max_body], len(raw), True, None
    return raw, None, False, None


def _is_ip(host: str) -> bool:
    if not host or not (host[0].isdigit() or ":" in host):
        return False  # a name: skip the parse (and its exception) for most flows
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def _url(request: http.Request, meta: dict[str, Any]) -> str:
    # A connection target that is a bare IP (transparent mode, apps resolving DNS
    # themselves) says less than the Host header the app sent; keep both.
    if _is_ip(request.host) and request.host_header and not _is_ip(request.pretty_host):
        meta["connect_host"] = request.host
        return request.pretty_url
    return request.url


# A flow as the proxy saw it, taken on the event loop: plain values and immutable pieces
# (header field tuples, body bytes), no decoding, no objects built. The writer thread turns
# it into a FlowRecord (``record_from_snapshot``); a later change to the live flow (another
# addon, our own 502) does not reach what is recorded.
FlowSnapshot = tuple


def snapshot(flow: http.HTTPFlow) -> FlowSnapshot:
    """The raw fields of a flow, cheaply (runs on the proxy's event loop for every flow)."""
    request, response, error, ws = flow.request, flow.response, flow.error, flow.websocket
    client, server = flow.client_conn, flow.server_conn
    r = request.data
    return (
        flow.id, flow.timestamp_created,
        (r.host, r.port, r.method, r.scheme, r.authority, r.path, r.http_version, r.headers.fields, r.content,
         r.timestamp_start, r.timestamp_end),
        None if response is None else _response_fields(response.data),
        None if error is None else (error.msg, error.timestamp),
        None if client is None else (client.peername, client.tls_established, client.tls_version, client.sni,
                                     client.alpn),
        None if server is None else (server.address, server.peername, server.tls_version, server.sni),
        None if ws is None else (ws.close_code, ws.close_reason, ws.closed_by_client, ws.timestamp_end,
                                 tuple(ws.messages)),
    )


def _response_fields(d: http.ResponseData) -> tuple:
    return (d.http_version, d.status_code, d.reason, d.headers.fields, d.content, d.timestamp_start, d.timestamp_end)


def _bare(cls: type, **values: Any) -> Any:
    """An instance of one of mitmproxy's message-data classes over values taken from one.

    Skips the per-field type check their constructors run (the values came out of a
    checked instance, and the check costs more than the rest of the conversion).
    """
    obj = object.__new__(cls)
    try:
        vars(obj).update(values)
    except TypeError:  # a class with __slots__ (no instance dict): construct it
        return cls(**values)
    return obj


def _request(fields: tuple) -> http.Request:
    """A Request over the snapshot's fields, for mitmproxy's own URL and text properties."""
    host, port, method, scheme, authority, path, version, headers, content, start, end = fields
    request = object.__new__(http.Request)
    request.data = _bare(http.RequestData, host=host, port=port, method=method, scheme=scheme, authority=authority,
                         path=path, http_version=version, headers=_bare(http.Headers, fields=headers),
                         content=content, trailers=None, timestamp_start=start, timestamp_end=end)
    return request


def _response(fields: tuple) -> http.Response:
    version, status, reason, headers, content, start, end = fields
    response = object.__new__(http.Response)
    response.data = _bare(http.ResponseData, http_version=version, status_code=status, reason=reason,
                          headers=_bare(http.Headers, fields=headers), content=content, trailers=None,
                          timestamp_start=start, timestamp_end=end)
    return response


def flow_to_record(flow: http.HTTPFlow, *, max_body: int | None = None, source: str = "proxy") -> FlowRecord:
    """One mitmproxy HTTP(S)/WebSocket flow as a FlowRecord (wire bytes, UTC times)."""
    return record_from_snapshot(snapshot(flow), max_body=max_body, source=source)


def record_from_snapshot(snap: FlowSnapshot, *, max_body: int | None = None, source: str = "proxy") -> FlowRecord:
    """A flow snapshot as a FlowRecord (wire bytes, UTC times)."""
    flow_id, created, request_fields, response_fields, error, client, server, ws = snap
    request = _request(request_fields)
    response = None if response_fields is None else _response(response_fields)
    warnings: list[str] = []
    meta: dict[str, Any] = {"mitmproxy_id": flow_id}
    req_body, req_size, req_cut, req_warn = _body(request, max_body)
    resp_body, resp_size, resp_cut, resp_warn = _body(response, max_body)
    warnings += [w for w in (req_warn and f"request {req_warn}", resp_warn and f"response {resp_warn}") if w]
    c_peer, c_tls, c_tls_version, c_sni, c_alpn = client or (None, False, None, None, None)
    s_address, s_peer, s_tls_version, s_sni = server or (None, None, None, None)
    tls = request.scheme == "https" or bool(c_tls)
    if server is not None and s_address and not s_peer:
        meta["upstream_address"] = _addr(s_address)  # where the proxy tried to connect
    if s_tls_version:
        meta["server_tls_version"] = s_tls_version
    if c_alpn:
        meta["alpn"] = clean_text(c_alpn)
    record = FlowRecord(
        method=clean_text(request.method, warnings, "method"),
        url=clean_text(_url(request, meta), warnings, "url"),
        ts_start=_when(request.timestamp_start) or _when(created),
        source=source,
        http_version=clean_text(request.http_version or "HTTP/1.1"),
        request_headers=_headers(request.headers, warnings, "request"),
        request_body=req_body,
        request_body_size=req_size,
        request_truncated=req_cut,
        ts_request_end=_when(request.timestamp_end),
        tls=tls,
        tls_version=c_tls_version if client is not None and tls else None,
        sni=c_sni or (s_sni if server is not None and tls else None),
        client_addr=_addr(c_peer) if client is not None else None,
        server_addr=_addr(s_peer) if server is not None else None,
        meta=meta,
    )
    if response is not None:
        record.status_code = response.status_code
        record.reason = clean_text(response.reason or "", warnings, "reason") or None
        record.response_headers = _headers(response.headers, warnings, "response")
        record.response_body, record.response_body_size, record.response_truncated = resp_body, resp_size, resp_cut
        record.ts_response_start = _when(response.timestamp_start)
        record.ts_end = _when(response.timestamp_end)
    if error is not None:
        record.error = clean_text(error[0] or "error", warnings, "error")
        record.ts_end = record.ts_end or _when(error[1])
    if ws is not None:
        close_code, close_reason, closed_by_client, ws_end, messages = ws
        meta["websocket"] = {
            "close_code": close_code,
            "close_reason": clean_text(close_reason or ""),
            "closed_by_client": closed_by_client,
        }
        record.websocket = [_ws_record(m, max_body) for m in messages]
        if ws_end:
            record.ts_end = _when(ws_end)
    if warnings:
        meta["warnings"] = sorted(set(warnings))
    return record


def _ws_record(message: websocket.WebSocketMessage, max_body: int | None) -> WebSocketRecord:
    content = message.content
    if max_body and len(content) > max_body:
        content = content[:max_body]
    return WebSocketRecord(
        from_client=message.from_client, content=content, is_text=message.is_text, ts=_when(message.timestamp)
    )


# -- FlowRecord -> mitmproxy ------------------------------------------------------------

def _address(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    host, _, port = text.rpartition(":")
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return None


_TLS_VERSIONS = frozenset(typing.get_args(connection.TlsVersion))


def _tls_version(value: object) -> str | None:
    """mitmproxy's dump format accepts only the TLS versions it knows; others stay in the store."""
    return value if isinstance(value, str) and value in _TLS_VERSIONS else None


def _connections(record: FlowRecord) -> tuple[connection.Client, connection.Server]:
    start = _epoch(record.ts_start) or 0.0
    client = connection.Client(
        peername=_address(record.client_addr) or ("0.0.0.0", 0),
        sockname=("0.0.0.0", 0),
        timestamp_start=start,
        tls_version=_tls_version(record.tls_version),
        sni=record.sni,
        state=connection.ConnectionState.CLOSED,
    )
    if record.tls:
        client.timestamp_tls_setup = start
    if record.meta.get("alpn"):
        client.alpn = str(record.meta["alpn"]).encode()
    host = record.host
    server = connection.Server(
        address=(host, record.port or (443 if record.scheme in ("https", "wss") else 80)),
        peername=_address(record.server_addr),
        sni=record.sni,
        tls_version=_tls_version(record.meta.get("server_tls_version") or record.tls_version),
        state=connection.ConnectionState.CLOSED,
    )
    return client, server


def _fields(headers: list[tuple[str, str]]) -> http.Headers:
    return http.Headers([(k.encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape")) for k, v in headers])


def record_to_flow(record: FlowRecord) -> http.HTTPFlow:
    """A real mitmproxy HTTPFlow for a stored record (for ``.mitm`` exports)."""
    client, server = _connections(record)
    flow = http.HTTPFlow(client, server)
    if record.id:
        try:
            flow.id = str(uuid.UUID(record.id))
        except ValueError:
            pass
    parts = urlsplit(record.url)
    scheme = parts.scheme or "http"
    port = record.port or (443 if scheme in ("https", "wss") else 80)  # None for a port out of range
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    is_h2 = record.http_version.upper().startswith("HTTP/2")
    start = _epoch(record.ts_start)
    flow.request = http.Request(
        host=parts.hostname or "",
        port=port,
        method=record.method.encode("utf-8", "surrogateescape"),
        scheme=scheme.encode(),
        authority=(parts.netloc.encode("utf-8", "surrogateescape") if is_h2 else b""),
        path=path.encode("utf-8", "surrogateescape"),
        http_version=record.http_version.encode(),
        headers=_fields(record.request_headers),
        content=record.request_body,
        trailers=None,
        timestamp_start=start,
        timestamp_end=_epoch(record.ts_request_end) or start,
    )
    flow.timestamp_created = start or flow.timestamp_created
    if record.status_code is not None:
        flow.response = http.Response(
            http_version=record.http_version.encode(),
            status_code=record.status_code,
            reason=(record.reason or "").encode("utf-8", "surrogateescape"),
            headers=_fields(record.response_headers),
            content=record.response_body,
            trailers=None,
            timestamp_start=_epoch(record.ts_response_start) or _epoch(record.ts_end) or start,
            timestamp_end=_epoch(record.ts_end) or start,
        )
    if record.error:
        flow.error = mflow.Error(record.error, _epoch(record.ts_end) or start)
    if record.websocket or record.meta.get("websocket"):
        flow.websocket = _ws_data(record)
    flow.live = False
    return flow


def _ws_data(record: FlowRecord) -> websocket.WebSocketData:
    data = websocket.WebSocketData()
    info = record.meta.get("websocket") if isinstance(record.meta.get("websocket"), dict) else {}
    data.messages = [
        websocket.WebSocketMessage(
            Opcode.TEXT if m.is_text else Opcode.BINARY, m.from_client, m.content, _epoch(m.ts)
        )
        for m in record.websocket
    ]
    data.close_code = info.get("close_code")
    data.close_reason = info.get("close_reason")
    data.closed_by_client = info.get("closed_by_client")
    data.timestamp_end = _epoch(record.ts_end)
    return data
