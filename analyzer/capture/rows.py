"""The live proxy's flows straight from their snapshot to the store's row.

On the writer thread each snapshot (``convert.snapshot``) becomes a ``CapturedFlow``. For
the flows nearly all traffic is made of (a request and its response, request line and
headers in ASCII without NUL, a host name, a URL whose port the store keeps, nothing cut
by the store) ``flow_row`` makes the ``flows`` row directly, with no FlowRecord and no
fitting in between. Anything else goes the general way, ``record_from_snapshot`` then
``BulkFlows.prepare`` (which fits what does not fit). Both ways give the same row
(tests/capture/test_capture_rows.py holds them to it), so which way a flow took never
shows in the store.

The FlowRecord is still made when the writer needs one: to keep a batch in the spool
while the store is away (a CapturedFlow pickles as its FlowRecord) or to store a flow in
part after the store refused it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from json import encoder as json_encoder

from mitmproxy.net.http.url import unparse

from analyzer.capture.convert import FlowSnapshot, _addr, _is_ip, record_from_snapshot
from analyzer.models.flow import FlowRecord
from analyzer.store.bulk_flows import _port, plain_texts_fit
from analyzer.store.fit import INT32_MAX

UTC = dt.timezone.utc
_FROM_TS = dt.datetime.fromtimestamp
# json.dumps makes a new C encoder on every call; one made once writes the same text
# (json.dumps' defaults) for a fraction of the cost, three times per flow.
_C_ENCODER = json_encoder.c_make_encoder and json_encoder.c_make_encoder(
    None, None, json_encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)


def _json(value: Any) -> str:
    return "".join(_C_ENCODER(value, 0)) if _C_ENCODER else json.dumps(value)

# the bounded columns flow_row fills (analyzer/store/models.py): method, http_version,
# reason, tls_version, sni, client_addr, server_addr
_LIMITS = (32, 16, 255, 32, 255, 64, 300)


class CapturedFlow:
    """One flow from the live proxy on its way to the store (the writer's unit).

    ``id`` is set by the writer before the first attempt; every other FlowRecord field is
    read from the record, made on first use.
    """

    __slots__ = ("snapshot", "max_body", "id", "_record")

    def __init__(self, snapshot: FlowSnapshot, max_body: int | None) -> None:
        self.snapshot = snapshot
        self.max_body = max_body
        self.id: str | None = None
        self._record: FlowRecord | None = None

    def record(self) -> FlowRecord:
        if self._record is None:
            self._record = record_from_snapshot(self.snapshot, max_body=self.max_body)
        self._record.id = self.id
        return self._record

    def __getattr__(self, name: str) -> Any:  # only for names that are not slots: FlowRecord fields
        return getattr(self.record(), name)

    def __reduce__(self):  # the spool keeps FlowRecords: this unpickles as one
        return _record, (self.record(),)

    def store_row(self, bulk, session_id: uuid.UUID, bodies: dict[str, bytes]) -> tuple[list[Any], list] | None:
        """The flows row (``seq`` 0) straight from the snapshot, or None: take the general way."""
        row = flow_row(self.snapshot, self.max_body, bulk, session_id, self.id, bodies)
        return None if row is None else (row, [])


def _record(record: FlowRecord) -> FlowRecord:
    return record


def _text(value: bytes) -> str | None:
    """ASCII without NUL as str, else None (the general way cleans such text)."""
    return value.decode("ascii") if value.isascii() and b"\x00" not in value else None


def flow_row(snap: FlowSnapshot, max_body: int | None, bulk, session_id: uuid.UUID, flow_id: str | None,
             bodies: dict[str, bytes]) -> list[Any] | None:
    """The row ``bulk.prepare(record_from_snapshot(snap))`` gives, for a plain flow; None otherwise."""
    mitm_id, created, request, response, error, client, server, ws = snap
    if ws is not None or error is not None or response is None:
        return None
    host, port, method_b, scheme_b, _authority, path_b, version_b, req_fields, req_content, t0, t1 = request
    r_version, status, reason_b, resp_fields, resp_content, t2, t3 = response
    if req_content is None or resp_content is None or not 0 <= status <= INT32_MAX:
        return None
    method, scheme, path, version, reason = (_text(method_b), _text(scheme_b), _text(path_b), _text(version_b),
                                             _text(reason_b))
    if None in (method, scheme, path, version, reason) or not host.isascii() or _is_ip(host):
        return None
    method, version = method.upper(), version or "HTTP/1.1"  # as mitmproxy's Request and the general way give them
    if method == "CONNECT":
        return None
    flat = b"".join([part for field in req_fields + resp_fields for part in field])
    if not flat.isascii() or b"\x00" in flat:
        return None
    req_headers = [(k.decode(), v.decode()) for k, v in req_fields]
    resp_headers = [(k.decode(), v.decode()) for k, v in resp_fields]
    url = unparse(scheme, host, port, "" if path == "*" else path)  # what Request.url gives (mitmproxy 11 and 12)
    parts = urlsplit(url)
    port_no, port_ok = _port(parts)
    if not port_ok:
        return None
    c_peer, c_tls, c_tls_version, c_sni, c_alpn = client or (None, False, None, None, None)
    s_address, s_peer, s_tls_version, s_sni = server or (None, None, None, None)
    tls = scheme == "https" or bool(c_tls)
    meta: dict[str, Any] = {"mitmproxy_id": mitm_id}
    if server is not None and s_address and not s_peer:
        meta["upstream_address"] = _addr(s_address)
    if s_tls_version:
        meta["server_tls_version"] = s_tls_version
    if c_alpn:
        alpn = _text(c_alpn)
        if alpn is None:
            return None
        meta["alpn"] = alpn
    tls_version = c_tls_version if client is not None and tls else None
    sni = c_sni or (s_sni if server is not None and tls else None)
    client_addr = _addr(c_peer) if client is not None else None
    server_addr = _addr(s_peer) if server is not None else None
    reason = reason or None
    bounded = (method, version, reason, tls_version, sni, client_addr, server_addr)
    if any(v is not None and len(v) > limit for v, limit in zip(bounded, _LIMITS)):
        return None
    texts = [url, "proxy", *[v for v in bounded if v is not None],
             *[v for v in meta.values() if type(v) is str]]
    if any(v is not None and type(v) is not str for v in meta.values()):
        return None
    if not plain_texts_fit(texts, [part for header in req_headers + resp_headers for part in header]):
        return None
    req_body, req_size, req_cut = _cut(req_content, max_body)
    resp_body, resp_size, resp_cut = _cut(resp_content, max_body)
    cap = bulk.store.max_body_bytes
    if cap and (len(req_body) > cap or len(resp_body) > cap):
        return None  # cut again by the store: the general way notes it
    b = bulk.backend
    when = b.time
    start = _FROM_TS(t0, UTC) if t0 else (_FROM_TS(created, UTC) if created else None)
    return [
        b.uuid(uuid.UUID(flow_id) if flow_id else uuid.uuid4()), b.uuid(session_id), 0, "proxy", method, url,
        parts.scheme[:16], (parts.hostname or "").lower()[:255], port_no,
        parts.path + (f"?{parts.query}" if parts.query else ""), version, _json(req_headers),
        _sha(req_body, bodies), req_size if req_size is not None else len(req_body), req_cut, status, reason,
        _json(resp_headers), _sha(resp_body, bodies), resp_size if resp_size is not None else len(resp_body),
        resp_cut, when(start), when(_FROM_TS(t1, UTC) if t1 else None), when(_FROM_TS(t2, UTC) if t2 else None),
        when(_FROM_TS(t3, UTC) if t3 else None), tls, tls_version, sni, client_addr, server_addr, None, False,
        _json(meta),
    ]


def _cut(content: bytes, max_body: int | None) -> tuple[bytes, int | None, bool]:
    if max_body and len(content) > max_body:
        return content[:max_body], len(content), True
    return content, None, False


def _sha(data: bytes, bodies: dict[str, bytes]) -> str | None:
    if not data:
        return None
    sha = hashlib.sha256(data).hexdigest()
    bodies.setdefault(sha, data)
    return sha
