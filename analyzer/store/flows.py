"""Flows: HTTP(S) and websocket exchanges of a session, in capture order."""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from analyzer.models.flow import FlowRecord, WebSocketRecord
from analyzer.store import models as m
from analyzer.store.bulk import insert_rows
from analyzer.store.db import StoreError
from analyzer.store.fit import fit_flow

_FLOWS, _WS_MESSAGES = m.Flow.__table__, m.WebSocketMessage.__table__


class FlowsMixin:
    def add_flows(self, session_id: uuid.UUID, flows: Sequence[FlowRecord]) -> list[str]:
        if not flows:
            return []
        # Rows and body hashes are made once, outside the transaction: a retry only
        # renumbers. The live proxy writes through here from its writer thread.
        bodies: dict[str, bytes] = {}
        prepared = [self._flow_row(session_id, f, bodies) for f in flows]

        def work(s: OrmSession) -> list[str]:
            # Core multi-row inserts, no ORM objects per flow.
            self._put_bodies(s, bodies)
            seq = (s.scalar(select(func.max(m.Flow.seq)).where(m.Flow.session_id == session_id)) or 0) + 1
            for offset, (row, _ws) in enumerate(prepared):
                row["seq"] = seq + offset
            conn = s.connection()
            insert_rows(conn, _FLOWS, [row for row, _ws in prepared])
            insert_rows(conn, _WS_MESSAGES, [w for _row, ws in prepared for w in ws])
            return [str(row["id"]) for row, _ws in prepared]

        return self._retrying(work)

    def _flow_row(
        self, session_id: uuid.UUID, f: FlowRecord, bodies: dict[str, bytes]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The flows row (without seq) and its websocket_messages rows; bodies join ``bodies``."""
        f = fit_flow(f)
        flow_id = uuid.UUID(f.id) if f.id else uuid.uuid4()
        req_sha, req_cut = self._body_sha(f.request_body, bodies)
        resp_sha, resp_cut = self._body_sha(f.response_body, bodies)
        row = {
            "id": flow_id, "session_id": session_id, "seq": None, "source": f.source, "method": f.method,
            "url": f.url, "scheme": f.scheme[:16], "host": f.host[:255], "port": f.port, "path": f.path,
            "http_version": f.http_version, "request_headers": [[k, v] for k, v in f.request_headers],
            "request_body_sha": req_sha,
            "request_body_size": f.request_body_size if f.request_body_size is not None else len(f.request_body),
            "request_truncated": req_cut or f.request_truncated, "status_code": f.status_code, "reason": f.reason,
            "response_headers": [[k, v] for k, v in f.response_headers],
            "response_body_sha": resp_sha,
            "response_body_size": f.response_body_size if f.response_body_size is not None else len(f.response_body),
            "response_truncated": resp_cut or f.response_truncated, "ts_start": f.ts_start,
            "ts_request_end": f.ts_request_end, "ts_response_start": f.ts_response_start, "ts_end": f.ts_end,
            "tls": f.tls, "tls_version": f.tls_version, "sni": f.sni, "client_addr": f.client_addr,
            "server_addr": f.server_addr, "error": f.error,
            "is_websocket": bool(f.websocket) or bool(f.meta.get("websocket")), "meta": f.meta,
        }
        ws_rows = []
        for i, msg in enumerate(f.websocket):
            sha, cut = self._body_sha(msg.content, bodies)
            ws_rows.append(
                {
                    "flow_id": flow_id, "seq": i, "from_client": msg.from_client, "is_text": msg.is_text,
                    "body_sha": sha, "size": len(msg.content), "truncated": cut, "ts": msg.ts,
                }
            )
        return row, ws_rows

    def iter_flows(
        self, session_id: uuid.UUID, *, with_bodies: bool = True, batch: int = 200
    ) -> Iterator[FlowRecord]:
        """Stream a session's flows in capture order, a batch at a time (memory stays flat)."""
        last_seq = 0
        while True:
            with self.session() as s:
                rows = list(
                    s.scalars(
                        select(m.Flow)
                        .where(m.Flow.session_id == session_id, m.Flow.seq > last_seq)
                        .order_by(m.Flow.seq)
                        .limit(batch)
                    )
                )
                if not rows:
                    return
                bodies: dict[str, bytes] = {}
                ws_by_flow: dict[uuid.UUID, list[m.WebSocketMessage]] = {}
                if with_bodies:
                    shas = {sha for r in rows for sha in (r.request_body_sha, r.response_body_sha) if sha}
                    ws_rows = list(
                        s.scalars(
                            select(m.WebSocketMessage)
                            .where(m.WebSocketMessage.flow_id.in_([r.id for r in rows if r.is_websocket]))
                            .order_by(m.WebSocketMessage.flow_id, m.WebSocketMessage.seq)
                        )
                    )
                    for w in ws_rows:
                        ws_by_flow.setdefault(w.flow_id, []).append(w)
                        if w.body_sha:
                            shas.add(w.body_sha)
                    if shas:
                        bodies = {
                            sha: bytes(data)
                            for sha, data in s.execute(select(m.Body.sha256, m.Body.data).where(m.Body.sha256.in_(shas)))
                        }
                for r in rows:
                    yield flow_record(r, bodies, ws_by_flow.get(r.id, []))
                last_seq = rows[-1].seq

    def get_flow(self, flow_id: str) -> FlowRecord:
        with self.session() as s:
            r = s.get(m.Flow, uuid.UUID(flow_id))
            if r is None:
                raise StoreError(f"no flow {flow_id}")
            shas = [x for x in (r.request_body_sha, r.response_body_sha) if x]
            ws = list(s.scalars(select(m.WebSocketMessage).where(m.WebSocketMessage.flow_id == r.id).order_by(m.WebSocketMessage.seq)))
            shas += [w.body_sha for w in ws if w.body_sha]
            bodies = {sha: bytes(d) for sha, d in s.execute(select(m.Body.sha256, m.Body.data).where(m.Body.sha256.in_(shas)))}
            return flow_record(r, bodies, ws)


def flow_record(r: m.Flow, bodies: dict[str, bytes], ws_rows: list[m.WebSocketMessage]) -> FlowRecord:
    return FlowRecord(
        id=str(r.id), seq=r.seq, method=r.method, url=r.url, ts_start=r.ts_start, source=r.source,
        http_version=r.http_version, request_headers=[(k, v) for k, v in r.request_headers],
        request_body=bodies.get(r.request_body_sha or "", b""), request_body_size=r.request_body_size,
        request_truncated=r.request_truncated, status_code=r.status_code, reason=r.reason,
        response_headers=[(k, v) for k, v in r.response_headers],
        response_body=bodies.get(r.response_body_sha or "", b""), response_body_size=r.response_body_size,
        response_truncated=r.response_truncated, ts_request_end=r.ts_request_end,
        ts_response_start=r.ts_response_start, ts_end=r.ts_end, tls=r.tls, tls_version=r.tls_version,
        sni=r.sni, client_addr=r.client_addr, server_addr=r.server_addr, error=r.error,
        websocket=[
            WebSocketRecord(from_client=w.from_client, content=bodies.get(w.body_sha or "", b""), is_text=w.is_text, ts=w.ts)
            for w in ws_rows
        ],
        meta=dict(r.meta or {}),
    )
