"""HAR 1.2 export of a session, written entry by entry (memory stays flat).

Bodies appear decoded, as HAR readers expect (text when UTF-8, else base64). When
re-encoding the decoded body would not give back the exact bytes sent on the wire,
the wire bytes travel in ``_consentry.*WireBase64`` so consentry's importer restores
them; exact timestamps, TLS details, errors and flow metadata travel there too.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

from analyzer import __version__
from analyzer.fileio import atomic_output
from analyzer.capture.bodies import content_encodings, decode_body, encode_body
from analyzer.models.flow import FlowRecord


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _ms_between(a, b) -> float:
    if a is None or b is None:
        return -1
    return round((b - a).total_seconds() * 1000, 3)


def _content(body: bytes, headers: list[tuple[str, str]]) -> tuple[dict[str, Any], str | None]:
    """(HAR text holder, wire bytes as base64 when the importer could not rebuild them)."""
    encodings = content_encodings(headers)
    decoded = body
    wire_b64 = None
    if encodings and body:
        decoded = decode_body(body, encodings)
        if decoded is None:  # the header lies or a cap was hit: export what was sent
            decoded = body
            wire_b64 = base64.b64encode(body).decode()
        elif encode_body(decoded, encodings) != body:
            wire_b64 = base64.b64encode(body).decode()
    try:
        holder: dict[str, Any] = {"text": decoded.decode("utf-8")}
    except UnicodeDecodeError:
        holder = {"text": base64.b64encode(decoded).decode(), "encoding": "base64"}
    holder["size"] = len(decoded)
    return holder, wire_b64


def _header_list(headers: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers]


def _cookies(headers: list[tuple[str, str]], name: str) -> list[dict[str, str]]:
    out = []
    for k, v in headers:
        if k.lower() == name:
            for part in v.split(";") if name == "cookie" else [v.split(";", 1)[0]]:
                key, sep, value = part.strip().partition("=")
                if sep:
                    out.append({"name": key, "value": value})
    return out


def _mime(headers: list[tuple[str, str]]) -> str:
    for k, v in headers:
        if k.lower() == "content-type":
            return v
    return ""


def record_to_entry(record: FlowRecord) -> dict[str, Any]:
    request_content, request_wire = _content(record.request_body, record.request_headers)
    ext: dict[str, Any] = {
        "id": record.id,
        "tls": record.tls,
        "tls_version": record.tls_version,
        "sni": record.sni,
        "client_addr": record.client_addr,
        "server_addr": record.server_addr,
        "error": record.error,
        "request_truncated": record.request_truncated,
        "response_truncated": record.response_truncated,
        "request_body_size": record.request_body_size,
        "response_body_size": record.response_body_size,
        "timestamps": {
            "request_end": _iso(record.ts_request_end),
            "response_start": _iso(record.ts_response_start),
            "end": _iso(record.ts_end),
        },
        "meta": record.meta,
    }
    if request_wire is not None:
        ext["requestWireBase64"] = request_wire
    request: dict[str, Any] = {
        "method": record.method,
        "url": record.url,
        "httpVersion": record.http_version,
        "headers": _header_list(record.request_headers),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(record.url).query, keep_blank_values=True)],
        "cookies": _cookies(record.request_headers, "cookie"),
        "headersSize": -1,
        "bodySize": len(record.request_body),
    }
    if record.request_body:
        post = {"mimeType": _mime(record.request_headers), **request_content}
        post.pop("size")
        request["postData"] = post
    response: dict[str, Any] = {
        "status": record.status_code or 0,
        "statusText": record.reason or "",
        "httpVersion": record.http_version,
        "headers": _header_list(record.response_headers),
        "cookies": _cookies(record.response_headers, "set-cookie"),
        "content": {"size": 0, "mimeType": _mime(record.response_headers)},
        "redirectURL": record.header("location", response=True) or "",
        "headersSize": -1,
        "bodySize": len(record.response_body) if record.status_code is not None else -1,
    }
    if record.status_code is not None:
        response_content, response_wire = _content(record.response_body, record.response_headers)
        response["content"].update(response_content)
        if response_wire is not None:
            ext["responseWireBase64"] = response_wire
    if record.error:
        response["_error"] = record.error
    send = _ms_between(record.ts_start, record.ts_request_end)
    wait = _ms_between(record.ts_request_end, record.ts_response_start)
    receive = _ms_between(record.ts_response_start, record.ts_end)
    timings = {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": max(send, 0), "wait": max(wait, 0),
               "receive": max(receive, 0)}
    entry: dict[str, Any] = {
        "startedDateTime": record.ts_start.isoformat(),
        "time": round(sum(v for v in (send, wait, receive) if v > 0), 3),
        "request": request,
        "response": response,
        "cache": {},
        "timings": timings,
        "_consentry": ext,
    }
    if record.server_addr:
        entry["serverIPAddress"] = record.server_addr.rsplit(":", 1)[0].strip("[]")
    if record.websocket:
        entry["_resourceType"] = "websocket"
        entry["_webSocketMessages"] = [
            {
                "type": "send" if m.from_client else "receive",
                "time": m.ts.timestamp(),
                "opcode": 1 if m.is_text else 2,
                "data": m.content.decode("utf-8", "replace") if m.is_text else base64.b64encode(m.content).decode(),
            }
            for m in record.websocket
        ]
    return entry


def write_har_stream(records, out: IO[str], *, comment: str = "") -> int:
    out.write('{"log": {"version": "1.2", "creator": ')
    out.write(json.dumps({"name": "consentry", "version": __version__, "comment": comment}))
    out.write(', "pages": [], "entries": [')
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record_to_entry(record), ensure_ascii=False))
        count += 1
    out.write("\n]}}\n")
    return count


def write_har(store, session_name: str, path: str | Path) -> int:
    """Write the session's flows as HAR; returns the number of entries."""
    session = store.get_session(session_name)
    with atomic_output(path) as fh:
        return write_har_stream(store.iter_flows(session.id), fh, comment=f"session {session_name}")
