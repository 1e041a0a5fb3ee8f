"""Digests of a session's recorded evidence, so a report can be checked against it later.

Canonical form: one JSON object per flow (capture order) or event (sequence order),
keys sorted, compact separators, UTF-8, newline-terminated; bodies enter as their
sha256. The digest is the sha256 of the concatenated lines. Flow line fields: seq
(position in capture order), method, url, ts_start, ts_end (ISO-8601 UTC), status_code,
request_headers, request_body_sha256, request_body_size, request_truncated,
response_headers, response_body_sha256, response_body_size, response_truncated, error,
websocket ([from_client, sha256, ts] per message). Event line fields: seq, type,
origin, ts_source_ms, data (the event as recorded; workstation times are derived and
left out so a later clock-offset correction does not change the evidence digest).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

from analyzer.correlate.timeline import iso
from analyzer.models.flow import FlowRecord


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str) + "\n").encode("utf-8")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def flow_line(position: int, f: FlowRecord) -> bytes:
    return _line({
        "seq": position,
        "method": f.method,
        "url": f.url,
        "ts_start": iso(f.ts_start),
        "ts_end": iso(f.ts_end) if f.ts_end else None,
        "status_code": f.status_code,
        "request_headers": [list(h) for h in f.request_headers],
        "request_body_sha256": _sha(f.request_body),
        "request_body_size": f.request_body_size,
        "request_truncated": f.request_truncated,
        "response_headers": [list(h) for h in f.response_headers],
        "response_body_sha256": _sha(f.response_body),
        "response_body_size": f.response_body_size,
        "response_truncated": f.response_truncated,
        "error": f.error,
        "websocket": [[w.from_client, _sha(w.content), iso(w.ts)] for w in f.websocket],
    })


def canonical_flow_lines(store, session_id) -> Iterator[bytes]:
    for position, flow in enumerate(store.iter_flows(session_id), 1):
        yield flow_line(position, flow)


def canonical_event_lines(store, session_id) -> Iterator[bytes]:
    for row in store.iter_events(session_id):
        yield _line({"seq": row.seq, "type": row.type, "origin": row.origin, "ts_source_ms": row.ts_source_ms, "data": row.data})


def session_digests(store, session_id) -> dict[str, str]:
    """{"flows_sha256", "events_sha256"} of the session's canonical exports."""
    flows, events = hashlib.sha256(), hashlib.sha256()
    for line in canonical_flow_lines(store, session_id):
        flows.update(line)
    for line in canonical_event_lines(store, session_id):
        events.update(line)
    return {"flows_sha256": flows.hexdigest(), "events_sha256": events.hexdigest(), "canonical": "consentry.canonical/1"}
