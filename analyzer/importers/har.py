"""HAR 1.2 import (browsers, HTTP Toolkit, Charles, and consentry's own exports).

HAR holds decoded bodies; FlowRecords hold wire bytes, so a body whose headers declare
a content-encoding is re-encoded (unless it already is encoded, which some tools do).
consentry's exports carry exact wire bytes and timestamps in ``_consentry`` fields so
an export/import round trip is lossless. Entries that cannot become a flow (no URL, no
time) are skipped and reported; smaller problems become per-flow warnings.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from analyzer.capture.bodies import content_encodings, wire_from_har
from analyzer.capture.convert import clean_text
from analyzer.importers import (
    ImportFailed,
    ImportResult,
    SessionTarget,
    check_input_file,
    file_sha256,
    load_events,
    finish_import,
    store_flows,
)
from analyzer.models.flow import FlowRecord, WebSocketRecord

UTC = dt.timezone.utc
MAX_REPORTED_WARNINGS = 50


class _SkipEntry(Exception):
    pass


def parse_har_bytes(data: bytes, name: str = "HAR file") -> list[dict[str, Any]]:
    """The entries of a HAR document, or ImportFailed saying what is wrong with it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{name} is not valid UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{name} is not JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise ImportFailed(f"{name} nests JSON too deeply") from None
    log = doc.get("log") if isinstance(doc, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise ImportFailed(f"{name} is not a HAR file: no log.entries list")
    return entries


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _ms(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 0.0


def _after(start: dt.datetime, ms: float) -> dt.datetime | None:
    """``start`` + ``ms``; None when that is no time at all (timings of 10**30 ms, inf)."""
    try:
        return start + dt.timedelta(microseconds=round(ms * 1000))
    except (OverflowError, ValueError):
        return None


def _headers(value: Any, warnings: list[str], what: str) -> list[tuple[str, str]]:
    if value in (None, []):
        return []
    if not isinstance(value, list):
        warnings.append(f"{what} headers are not a list; ignored")
        return []
    headers = []
    for h in value:
        if isinstance(h, dict) and isinstance(h.get("name"), str):
            headers.append((clean_text(h["name"], warnings, f"{what} header"),
                            clean_text(str(h.get("value", "")), warnings, f"{what} header")))
        else:
            warnings.append(f"{what} header entry without a name ignored")
    return headers


def _b64(text: str, warnings: list[str], what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        warnings.append(f"{what} claims base64 but is not valid base64; kept as text")
        return text.encode("utf-8", "surrogatepass")


def _text_body(holder: dict[str, Any], warnings: list[str], what: str) -> bytes:
    text = holder.get("text")
    if text is None:
        return b""
    if not isinstance(text, str):
        warnings.append(f"{what} text is not a string; ignored")
        return b""
    encoding = holder.get("encoding") or holder.get("_encoding")
    if encoding == "base64":
        return _b64(text, warnings, what)
    if encoding:
        warnings.append(f"{what} has unknown encoding {encoding!r}; kept as text")
    return text.encode("utf-8", "surrogatepass")


def _request_body(request: dict[str, Any], warnings: list[str]) -> bytes:
    post = request.get("postData")
    if not isinstance(post, dict):
        return b""
    if post.get("text") is None and isinstance(post.get("params"), list):
        pairs = [(str(p.get("name", "")), str(p.get("value", ""))) for p in post["params"] if isinstance(p, dict)]
        return urlencode(pairs).encode()
    return _text_body(post, warnings, "request body")


def _exact_wire(ext: dict[str, Any], key: str, warnings: list[str]) -> bytes | None:
    value = ext.get(key)
    if not isinstance(value, str):
        return None
    return _b64(value, warnings, key)


def _http_version(value: Any) -> str:
    text = str(value or "").strip()
    lowered = text.lower()
    if lowered in ("", "unknown"):
        return "HTTP/1.1"
    if lowered in ("h2", "http/2", "http/2.0"):
        return "HTTP/2.0"
    if lowered in ("h3", "http/3", "http/3.0"):
        return "HTTP/3"
    return text.upper() if lowered.startswith("http/") else text


def _websocket(entry: dict[str, Any], warnings: list[str]) -> list[WebSocketRecord]:
    messages = entry.get("_webSocketMessages")
    if not isinstance(messages, list):
        return []
    out = []
    for msg in messages:
        if not isinstance(msg, dict) or not isinstance(msg.get("time"), (int, float)):
            warnings.append("websocket message without a time ignored")
            continue
        is_text = msg.get("opcode", 1) == 1
        data = msg.get("data") or ""
        content = data.encode("utf-8", "surrogatepass") if is_text else _b64(str(data), warnings, "websocket message")
        ts = dt.datetime.fromtimestamp(round(float(msg["time"]), 6), UTC)
        out.append(WebSocketRecord(from_client=msg.get("type") == "send", content=content, is_text=is_text, ts=ts))
    return out


def entry_to_record(entry: Any) -> FlowRecord:
    """One HAR entry as a FlowRecord; raises _SkipEntry when it cannot be one."""
    if not isinstance(entry, dict):
        raise _SkipEntry("entry is not an object")
    request = entry.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("url"), str) or not request["url"]:
        raise _SkipEntry("entry has no request.url")
    start = _time(entry.get("startedDateTime"))
    if start is None:
        raise _SkipEntry(f"entry for {request['url'][:80]} has no valid startedDateTime")
    url = request["url"]
    if not urlsplit(url).scheme:
        raise _SkipEntry(f"request.url {url[:80]!r} is not absolute")
    warnings: list[str] = []
    ext = entry.get("_consentry") if isinstance(entry.get("_consentry"), dict) else {}
    req_headers = _headers(request.get("headers"), warnings, "request")
    req_body = _exact_wire(ext, "requestWireBase64", warnings)
    if req_body is None:
        req_body = wire_from_har(_request_body(request, warnings), content_encodings(req_headers), warnings, "request body")
    record = FlowRecord(
        method=clean_text(str(request.get("method") or "GET"), warnings, "method"),
        url=clean_text(url, warnings, "url"),
        ts_start=start,
        source="import",
        http_version=_http_version(request.get("httpVersion")),
        request_headers=req_headers,
        request_body=req_body,
        server_addr=entry.get("serverIPAddress") if isinstance(entry.get("serverIPAddress"), str) else None,
    )
    response = entry.get("response")
    if isinstance(response, dict) and isinstance(response.get("status"), int) and response["status"] > 0:
        _fill_response(record, response, ext, warnings)
    _fill_timings(record, entry, ext)
    _fill_extensions(record, entry, response, ext)
    record.websocket = _websocket(entry, warnings)
    if warnings:
        record.meta["warnings"] = sorted(set(warnings))
    return record


def _fill_response(record: FlowRecord, response: dict[str, Any], ext: dict[str, Any], warnings: list[str]) -> None:
    record.status_code = response["status"]
    record.reason = clean_text(str(response.get("statusText") or ""), warnings, "reason") or None
    record.response_headers = _headers(response.get("headers"), warnings, "response")
    body = _exact_wire(ext, "responseWireBase64", warnings)
    if body is None:
        content = response.get("content") if isinstance(response.get("content"), dict) else {}
        body = wire_from_har(
            _text_body(content, warnings, "response body"), content_encodings(record.response_headers), warnings,
            "response body",
        )
    record.response_body = body


def _fill_timings(record: FlowRecord, entry: dict[str, Any], ext: dict[str, Any]) -> None:
    exact = ext.get("timestamps") if isinstance(ext.get("timestamps"), dict) else None
    if exact is not None:
        record.ts_request_end = _time(exact.get("request_end"))
        record.ts_response_start = _time(exact.get("response_start"))
        record.ts_end = _time(exact.get("end"))
        return
    timings = entry.get("timings") if isinstance(entry.get("timings"), dict) else {}
    sent = sum(_ms(timings.get(k)) for k in ("blocked", "dns", "connect", "send"))
    record.ts_request_end = _after(record.ts_start, sent)
    if record.status_code is not None and record.ts_request_end is not None:
        record.ts_response_start = _after(record.ts_request_end, _ms(timings.get("wait")))
        if record.ts_response_start is not None:
            record.ts_end = _after(record.ts_response_start, _ms(timings.get("receive")))
    elif _ms(entry.get("time")):
        record.ts_end = _after(record.ts_start, _ms(entry.get("time")))


def _fill_extensions(record: FlowRecord, entry: dict[str, Any], response: Any, ext: dict[str, Any]) -> None:
    error = ext.get("error")
    if error is None and isinstance(response, dict):
        error = response.get("_error") or response.get("_errorMessage")
    if error is None and isinstance(entry.get("_error"), str):
        error = entry["_error"]
    record.error = str(error) if error else None
    for key in ("tls_version", "sni", "client_addr", "server_addr"):
        if isinstance(ext.get(key), str):
            setattr(record, key, ext[key])
    if isinstance(ext.get("tls"), bool):
        record.tls = ext["tls"]
    else:
        record.tls = record.scheme in ("https", "wss")
    for key in ("request_truncated", "response_truncated"):
        if isinstance(ext.get(key), bool):
            setattr(record, key, ext[key])
    for key in ("request_body_size", "response_body_size"):
        if isinstance(ext.get(key), int):
            setattr(record, key, ext[key])
    if isinstance(ext.get("meta"), dict):
        record.meta.update({k: v for k, v in ext["meta"].items() if k != "warnings"})
    if isinstance(ext.get("id"), str):
        record.meta["original_id"] = ext["id"]


def read_har(path: Path) -> tuple[list[FlowRecord], list[str], int]:
    """(records, skipped-entry reasons, entry count) of a HAR file, fully validated."""
    check_input_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    entries = parse_har_bytes(data, str(path))
    records, skipped = [], []
    for index, entry in enumerate(entries):
        try:
            records.append(entry_to_record(entry))
        except _SkipEntry as exc:
            skipped.append(f"entry {index}: {exc}")
        except RecursionError:
            skipped.append(f"entry {index}: nested too deeply")
    if entries and not records:
        raise ImportFailed(f"{path}: none of the {len(entries)} entries is a usable request ({skipped[0]})")
    return records, skipped, len(entries)


def import_har(
    store,
    path: str | Path,
    session_name: str,
    events_path: str | Path | None = None,
    *,
    append: bool = False,
    app: tuple[str, str] | None = None,
) -> ImportResult:
    """Import a HAR file (and optionally a session-events .jsonl) into a session."""
    path = Path(path)
    records, skipped, total = read_har(path)
    events = load_events(Path(events_path) if events_path else None)
    source = {"format": "har", "file": path.name, "sha256": file_sha256(path), "entries": total}
    target = SessionTarget(store, session_name, append=append, app=app, source=source)
    result = ImportResult(session=session_name, format="har", skipped=len(skipped), created=target.created)
    result.warnings = skipped[:MAX_REPORTED_WARNINGS]
    records.sort(key=lambda r: r.ts_start)
    store_flows(target, records, result)
    return finish_import(target, events, result)
