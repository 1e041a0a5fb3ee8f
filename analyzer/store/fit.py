"""Make records fit the store's columns, noting every change instead of failing.

A hostile server or a corrupt capture can send what no column holds: a status code of
``9999999999`` (PostgreSQL INTEGER) or ``10**20`` (SQLite's 64-bit integers), a port of
99999, NUL characters (PostgreSQL text and JSONB refuse them), lone surrogates (no
UTF-8 encoder accepts them), a 10,000-character method. One such flow must be stored
as far as it can be, never refused: the value that does not fit is replaced by the
nearest storable one and the original is kept, as text, in the flow's ``meta``.

The same rules apply on every backend, so SQLite and PostgreSQL hold the same data and
give the same reports (docs/capture.md, "What is stored when a value does not fit").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any
from urllib.parse import urlsplit

from analyzer.models.flow import FlowRecord, WebSocketRecord

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
REPLACEMENT = "\ufffd"

# String columns with a length limit (analyzer/store/models.py); Text columns are unbounded.
_LIMITS = {
    "source": 16, "method": 32, "http_version": 16, "reason": 255, "tls_version": 32, "sni": 255,
    "client_addr": 64, "server_addr": 300,
}
_TEXT = ("url", "error")
_RAW_KEEP = 2000  # characters of an unstorable original kept in meta
# One header name or value; a 50 MB header would cost every later reader its size many
# times over (JSON column, FlowRecord, excerpts). Real servers refuse far smaller ones.
MAX_HEADER_CHARS = 256 * 1024


def storable_text(value: str) -> str:
    """``value`` with NUL and lone surrogates replaced by U+FFFD (same on every backend)."""
    if value.isascii() and "\x00" not in value:
        return value
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # a surrogate pair written as two escapes decodes whole; each lone one becomes one U+FFFD
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def storable_json(value: Any, _depth: int = 0) -> Any:
    """A JSON value every backend stores: text cleaned, non-finite floats and huge ints as text."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -INT64_MAX <= value <= INT64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if _depth > 200:
        return storable_text(repr(value)[:_RAW_KEEP])
    if isinstance(value, dict):
        return {storable_text(str(k)): storable_json(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable_json(v, _depth + 1) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return storable_text(bytes(value).decode("utf-8", "replace"))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return storable_text(str(value))


def _plain(value: str) -> bool:
    return value.isascii() and "\x00" not in value


def _fits_as_is(flow: FlowRecord) -> bool:
    """The common case, checked cheaply (the live proxy's writer runs this for every flow)."""
    if flow.status_code is not None and not 0 <= flow.status_code <= INT32_MAX:
        return False
    for name, limit in _LIMITS.items():
        value = getattr(flow, name)
        if value is not None and (len(value) > limit or not _plain(value)):
            return False
    if not (_plain(flow.url) and (flow.error is None or _plain(flow.error))):
        return False
    for headers in (flow.request_headers, flow.response_headers):
        if headers:
            joined = "".join([k + v for k, v in headers])
            if not _plain(joined) or (len(joined) > MAX_HEADER_CHARS and
                                      max(max(len(k), len(v)) for k, v in headers) > MAX_HEADER_CHARS):
                return False
    if flow.websocket:
        return False
    parts = flow.url.split("/", 3)
    netloc = parts[2] if len(parts) > 2 else ""
    if ":" in netloc.rsplit("]", 1)[-1] and flow.port is None:  # a port that urlsplit refuses
        return False
    return all(isinstance(v, str) and _plain(v) or v is None or isinstance(v, bool) for v in flow.meta.values())


def fit_flow(flow: FlowRecord) -> FlowRecord:
    """The flow itself when everything fits (the common case), else a fitted copy with notes."""
    if _fits_as_is(flow):
        return flow
    notes: list[str] = []
    changes: dict[str, Any] = {}
    raw: dict[str, str] = {}

    if flow.status_code is not None and not 0 <= flow.status_code <= INT32_MAX:
        raw["status_code"] = str(flow.status_code)[:_RAW_KEEP]
        changes["status_code"] = None
        notes.append("status code out of range: kept in meta.unstorable.status_code")
    for name in ("request_body_size", "response_body_size"):
        size = getattr(flow, name)
        if size is not None and not 0 <= size <= INT64_MAX:
            raw[name] = str(size)[:_RAW_KEEP]
            changes[name] = None
            notes.append(f"{name} out of range")
    for name in _TEXT + tuple(_LIMITS):
        value = getattr(flow, name)
        if value is None:
            continue
        fitted = storable_text(value)
        limit = _LIMITS.get(name)
        if limit is not None and len(fitted) > limit:
            fitted = fitted[:limit]
        if fitted != value:
            raw[name] = storable_text(value[:_RAW_KEEP])
            changes[name] = fitted
            notes.append(f"{name} did not fit the store: cut or cleaned (original in meta.unstorable)")
    port = _port_of(flow)
    if port is not None and not 0 <= port <= 65535:
        raw["port"] = urlsplit(flow.url).netloc.rsplit(":", 1)[-1][:40]
        notes.append("port out of range: stored without a port")
    for name in ("request_headers", "response_headers"):
        headers = getattr(flow, name)
        fitted_headers = [(storable_text(str(k))[:MAX_HEADER_CHARS], storable_text(str(v))[:MAX_HEADER_CHARS])
                          for k, v in headers]
        if fitted_headers != list(headers):
            changes[name] = fitted_headers
            longest = max((len(str(k)) + len(str(v)) for k, v in headers), default=0)
            if longest > MAX_HEADER_CHARS:
                notes.append(f"{name}: a header of {longest} characters cut to {MAX_HEADER_CHARS}")
            else:
                notes.append(f"{name} held NUL or unpaired surrogates: replaced with U+FFFD")
    ws = [m for m in flow.websocket if not _ts_ok(m.ts)]
    if ws:
        changes["websocket"] = [
            m if _ts_ok(m.ts) else WebSocketRecord(m.from_client, m.content, m.is_text, flow.ts_start) for m in flow.websocket
        ]
        notes.append("websocket message times out of range: set to the flow's start")
    meta = storable_json(flow.meta)
    if meta != flow.meta:
        changes["meta"] = meta
        notes.append("meta held values no store keeps as they are (NUL, surrogates, huge numbers): cleaned")
    if not notes and "meta" not in changes:
        return flow
    meta = dict(changes.get("meta", flow.meta))
    if raw:
        meta["unstorable"] = {**meta.get("unstorable", {}), **raw}
    if notes:
        meta["store_notes"] = list(meta.get("store_notes", [])) + notes
    changes["meta"] = meta
    return dataclasses.replace(flow, **changes)


def _port_of(flow: FlowRecord) -> int | None:
    try:
        return urlsplit(flow.url).port
    except ValueError:  # urlsplit refuses ports outside 0-65535 (and non-numbers)
        return -1


def _ts_ok(value: dt.datetime) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None


def fit_flow_minimal(flow: FlowRecord, error: str) -> FlowRecord:
    """The last resort for a flow the store refused even after fitting: what surely fits.

    Keeps method, URL, time, status (when in range) and bodies; drops headers and meta,
    and says why in ``error`` and ``meta``.
    """
    fitted = fit_flow(flow)
    reason = storable_text(error.splitlines()[0][:300] if error else "store refused the flow")
    return FlowRecord(
        method=fitted.method, url=fitted.url, ts_start=fitted.ts_start, source=fitted.source, id=fitted.id,
        status_code=fitted.status_code, request_body=fitted.request_body, response_body=fitted.response_body,
        request_body_size=fitted.request_body_size, response_body_size=fitted.response_body_size,
        request_truncated=fitted.request_truncated, response_truncated=fitted.response_truncated,
        error=fitted.error or f"stored in part: {reason}",
        meta={"store_notes": [f"stored in part after the store refused it: {reason}"]},
    )
