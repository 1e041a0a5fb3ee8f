"""The findings and request proofs of one stored analysis run, read a page at a time.

A report of 10,000 requests holds 40,000 findings; holding them (and their request
proofs) as objects takes most of a gigabyte. Renderers read them from here instead:
each read is a bounded query (keyset pages on the finding's ordinal or the flow's
sequence number, or a page of request groups), so what a report command holds at once
is one page plus the running counters of views.FindingTotals, whatever the session's
size. Ordering matches the in-memory Report exactly (findings by ordinal, request
groups by their first finding's time then capture order, proofs in capture order), so
both paths give the same bytes, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterator

from sqlalchemy import and_, exists, func, select

from analyzer.models.flow import FlowRecord
from analyzer.models.report import Finding, RequestProof
from analyzer.report.proof import BODY_PREVIEW_BYTES, GeoIp, request_proof
from analyzer.store import models as m

PAGE = 500  # findings per query
FLOW_PAGE = 200  # request proofs per query (headers and a body preview each)

Annotate = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _same(item):
    return item


class StoredFindings:
    """One analysis run's findings (and proofs of their requests) as a finding source."""

    def __init__(self, store, session_id: uuid.UUID, run_id: uuid.UUID, *, annotate: Annotate | None = None,
                 geoip: GeoIp | None = None, finding_map: Callable[[Finding], Finding] = _same,
                 proof_map: Callable[[RequestProof], RequestProof] = _same) -> None:
        self.store = store
        self.session_id = session_id
        self.run_id = run_id
        self.annotate = annotate or (lambda rows: rows)
        self.geoip = geoip
        self.finding_map = finding_map
        self.proof_map = proof_map
        self._counts: tuple[int, int, int] | None = None

    def mapped(self, finding_map: Callable[[Finding], Finding], proof_map: Callable[[RequestProof], RequestProof]
               ) -> "StoredFindings":
        """The same run with every finding and proof passed through these (redaction)."""
        return StoredFindings(self.store, self.session_id, self.run_id, annotate=self.annotate, geoip=self.geoip,
                              finding_map=finding_map, proof_map=proof_map)

    # -- counts -------------------------------------------------------------------------
    def _count(self) -> tuple[int, int, int]:
        if self._counts is None:
            with self.store.session() as s:
                total = s.scalar(select(func.count()).select_from(m.Finding).where(m.Finding.run_id == self.run_id)) or 0
                calls = s.scalar(select(func.count()).select_from(m.Finding).where(
                    m.Finding.run_id == self.run_id, m.Finding.flow_id.is_(None))) or 0
                requests = s.scalar(select(func.count(func.distinct(m.Finding.flow_id))).where(
                    m.Finding.run_id == self.run_id, m.Finding.flow_id.is_not(None))) or 0
            self._counts = (total, requests, calls)
        return self._counts

    @property
    def finding_count(self) -> int:
        return self._count()[0]

    @property
    def request_count(self) -> int:
        return self._count()[1]

    @property
    def call_count(self) -> int:
        return self._count()[2]

    @property
    def proof_count(self) -> int:
        return self._count()[1]

    # -- findings -----------------------------------------------------------------------
    def iter_raw(self, *, flowless: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
        """(ordinal, finding in report-JSON shape, triage added) in report order."""
        last = -1
        while True:
            q = select(m.Finding.ordinal, m.Finding.data).where(m.Finding.run_id == self.run_id, m.Finding.ordinal > last)
            if flowless:
                q = q.where(m.Finding.flow_id.is_(None))
            with self.store.session() as s:
                rows = s.execute(q.order_by(m.Finding.ordinal).limit(PAGE)).all()
            if not rows:
                return
            yield from zip((r[0] for r in rows), self.annotate([r[1] for r in rows]))
            last = rows[-1][0]

    def _model(self, raw: dict[str, Any]) -> Finding:
        return self.finding_map(Finding.model_validate(raw))

    def iter_findings(self) -> Iterator[tuple[int, Finding]]:
        for ordinal, raw in self.iter_raw():
            yield ordinal, self._model(raw)

    def iter_by_request(self) -> Iterator[list[tuple[int, Finding]]]:
        """Findings a request at a time (a flow-less finding alone), requests in any order."""
        for ordinal, raw in self.iter_raw(flowless=True):
            yield [(ordinal, self._model(raw))]
        last: uuid.UUID | None = None
        while True:
            q = select(m.Finding.flow_id).where(m.Finding.run_id == self.run_id, m.Finding.flow_id.is_not(None))
            if last is not None:
                q = q.where(m.Finding.flow_id > last)
            with self.store.session() as s:
                flow_ids = list(s.scalars(q.group_by(m.Finding.flow_id).order_by(m.Finding.flow_id).limit(FLOW_PAGE)))
            if not flow_ids:
                return
            for _flow_id, items in self._findings_of(flow_ids):
                yield items
            last = flow_ids[-1]

    def _findings_of(self, flow_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, list[tuple[int, Finding]]]]:
        with self.store.session() as s:
            rows = s.execute(
                select(m.Finding.flow_id, m.Finding.ordinal, m.Finding.data)
                .where(m.Finding.run_id == self.run_id, m.Finding.flow_id.in_(flow_ids))
                .order_by(m.Finding.ordinal)
            ).all()
        annotated = self.annotate([r[2] for r in rows])
        by_flow: dict[uuid.UUID, list[tuple[int, Finding]]] = {fid: [] for fid in flow_ids}
        for row, raw in zip(rows, annotated):
            by_flow[row[0]].append((row[1], self._model(raw)))
        return [(fid, items) for fid, items in by_flow.items() if items]

    def calls(self, start: int, stop: int | None) -> list[Finding]:
        """Flow-less findings (API-call groups, bursts) start..stop, in report order."""
        with self.store.session() as s:
            q = (select(m.Finding.data).where(m.Finding.run_id == self.run_id, m.Finding.flow_id.is_(None))
                 .order_by(m.Finding.ordinal).offset(start))
            if stop is not None:
                q = q.limit(max(stop - start, 0))
            rows = list(s.scalars(q))
        return [self._model(raw) for raw in self.annotate(rows)]

    # -- requests -----------------------------------------------------------------------
    def group_keys(self, start: int, stop: int | None) -> list[uuid.UUID]:
        """Flow ids of requests start..stop in display order (first finding's time, then capture order)."""
        first_ts = func.min(m.Finding.ts)
        with self.store.session() as s:
            q = (select(m.Finding.flow_id).join(m.Flow, m.Flow.id == m.Finding.flow_id)
                 .where(m.Finding.run_id == self.run_id)
                 .group_by(m.Finding.flow_id, m.Flow.seq).order_by(first_ts, m.Flow.seq, m.Finding.flow_id)
                 .offset(start))
            if stop is not None:
                q = q.limit(max(stop - start, 0))
            return list(s.scalars(q))

    def groups_for(self, flow_ids: list[uuid.UUID], *, proofs: bool = True
                   ) -> list[tuple[RequestProof | None, list[Finding]]]:
        """These requests' findings (and proofs), in the order given."""
        if not flow_ids:
            return []
        findings = dict(self._findings_of(flow_ids))
        by_id = {p.id: p for p in self._proofs_of(flow_ids, findings)} if proofs else {}
        return [(by_id.get(str(fid)), [f for _o, f in findings[fid]]) for fid in flow_ids if fid in findings]

    def groups(self, start: int, stop: int | None) -> list[tuple[RequestProof | None, list[Finding]]]:
        return self.groups_for(self.group_keys(start, stop))

    def _flow_page(self, after_seq: int) -> list[Any]:
        has_findings = exists().where(and_(m.Finding.run_id == self.run_id, m.Finding.flow_id == m.Flow.id))
        body = m.Body.__table__
        with self.store.session() as s:
            return s.execute(
                select(m.Flow, func.substr(body.c.data, 1, BODY_PREVIEW_BYTES + 1), func.length(body.c.data))
                .outerjoin(body, body.c.sha256 == m.Flow.request_body_sha)
                .where(m.Flow.session_id == self.session_id, m.Flow.seq > after_seq, has_findings)
                .order_by(m.Flow.seq).limit(FLOW_PAGE)
            ).all()

    def _proof(self, row, finding_ids: list[str]) -> RequestProof:
        flow, head, size = row
        record = FlowRecord(
            id=str(flow.id), seq=flow.seq, method=flow.method, url=flow.url, ts_start=flow.ts_start,
            http_version=flow.http_version, request_headers=[(k, v) for k, v in flow.request_headers],
            request_body=bytes(head) if head is not None else b"", request_body_size=flow.request_body_size or size or 0,
            status_code=flow.status_code, reason=flow.reason, tls=flow.tls, sni=flow.sni,
            server_addr=flow.server_addr, error=flow.error,
        )
        return self.proof_map(request_proof(record, finding_ids, self.geoip))

    def _finding_ids(self, flow_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
        out: dict[uuid.UUID, list[str]] = {}
        with self.store.session() as s:
            for flow_id, finding_id in s.execute(
                select(m.Finding.flow_id, m.Finding.id)
                .where(m.Finding.run_id == self.run_id, m.Finding.flow_id.in_(flow_ids))
                .order_by(m.Finding.ordinal)
            ):
                out.setdefault(flow_id, []).append(finding_id)
        return out

    def _proofs_of(self, flow_ids: list[uuid.UUID], findings) -> list[RequestProof]:
        body = m.Body.__table__
        with self.store.session() as s:
            rows = s.execute(
                select(m.Flow, func.substr(body.c.data, 1, BODY_PREVIEW_BYTES + 1), func.length(body.c.data))
                .outerjoin(body, body.c.sha256 == m.Flow.request_body_sha)
                .where(m.Flow.session_id == self.session_id, m.Flow.id.in_(flow_ids))
            ).all()
        return [self._proof(row, [f.id for _o, f in findings.get(row[0].id, [])]) for row in rows]

    def iter_proofs(self) -> Iterator[RequestProof]:
        """The proof of every request that has findings, in capture order."""
        after = 0
        while True:
            rows = self._flow_page(after)
            if not rows:
                return
            ids = self._finding_ids([row[0].id for row in rows])
            for row in rows:
                yield self._proof(row, ids.get(row[0].id, []))
            after = rows[-1][0].seq
