"""The store's library API: sessions, flows, events, identifiers, analysis runs.

Every other part (capture addon, importers, runner, analyzer, reports) goes through
this class; none of them writes SQL of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from sqlalchemy import Table, bindparam, delete, func, select, text, update
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from analyzer.models.events import Event, IdentifierEvent, ApiCallEvent, UnknownEvent
from analyzer.models.flow import FlowRecord, WebSocketRecord
from analyzer.store import models as m
from analyzer.store.db import StoreError, make_engine, migrate, resolve_url
from analyzer.store.faults import is_retryable
from analyzer.store.unit import current_unit
from analyzer.store.fit import fit_flow, storable_json
from analyzer.store.types import from_epoch_ms, utcnow
from analyzer.store.ui_evidence import delete_orphan_ui_blobs

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
SESSION_STATUSES = (
    "recording", "finished", "app_crashed", "detached", "proxy_error", "interrupted", "imported", "error",
)


_FLOWS, _BODIES, _WS_MESSAGES = m.Flow.__table__, m.Body.__table__, m.WebSocketMessage.__table__
_LOOKUP_BODIES_FROM = 4096  # bytes; see Store._put_bodies


# Rows go in as multi-row INSERTs of a few fixed sizes (compiled once each), not as
# executemany: SQLite's driver drops and retakes the GIL for every row of an executemany,
# and each time the proxy's event loop has to hand it over. Sizes stay under SQLite's
# oldest limit of 999 parameters per statement.
_MAX_PARAMS = 999


@functools.cache
def _multi_row_insert(table: Table, columns: tuple[str, ...], rows: int, dialect: Dialect):
    """INSERT of ``rows`` rows in one statement; into bodies, rows already there are left alone.

    Written as typed text: SQLAlchemy caches no multi-VALUES ``insert().values([...])``,
    while this compiles once and still runs every value through its column's type.
    """
    quote = dialect.identifier_preparer.quote
    names = _param_names(columns, rows)
    values = ", ".join("(" + ", ".join(f":{n}" for n in row) + ")" for row in names)
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES {values}"
    if table is _BODIES:  # same syntax on SQLite (3.24+) and PostgreSQL
        sql += " ON CONFLICT (sha256) DO NOTHING"
    binds = [bindparam(n, type_=table.c[c].type) for row in names for n, c in zip(row, columns)]
    return text(sql).bindparams(*binds)


@functools.cache
def _param_names(columns: tuple[str, ...], rows: int) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(f"{c}_{i}" for c in columns) for i in range(rows))


def _insert_rows(conn, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in a handful of multi-row statements."""
    if not rows:
        return
    columns = tuple(rows[0])
    largest = 1 << ((_MAX_PARAMS // len(columns)).bit_length() - 1)
    done = 0
    while done < len(rows):
        size = min(largest, 1 << ((len(rows) - done).bit_length() - 1))  # powers of two: few shapes
        chunk = rows[done : done + size]
        params = {
            name: row[column]
            for names, row in zip(_param_names(columns, size), chunk)
            for name, column in zip(names, columns)
        }
        conn.execute(_multi_row_insert(table, columns, size, conn.dialect), params)
        done += size


class SessionNotFound(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no session named {name!r} (see `consentry sessions list`)")


def _max_body_from_env() -> int:
    raw = os.environ.get("CONSENTRY_MAX_BODY_BYTES")
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise StoreError(f"CONSENTRY_MAX_BODY_BYTES is not a whole number: {raw!r}") from None
    if value < 0:
        raise StoreError("CONSENTRY_MAX_BODY_BYTES must be >= 0")
    return value


class Store:
    def __init__(self, engine: Engine, url: str, *, max_body_bytes: int | None = None) -> None:
        self.engine = engine
        self.url = url
        self.max_body_bytes = _max_body_from_env() if max_body_bytes is None else max_body_bytes
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- plumbing -------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[OrmSession]:
        outer = current_unit(self)  # inside one_transaction(): every call joins it
        if outer is not None:
            yield outer
            return
        with self._sessions() as s, s.begin():
            yield s

    def _retrying(self, work, attempts: int = 8):
        """Run a write transaction, retrying when a concurrent writer took our sequence numbers."""
        if current_unit(self) is not None:  # a failure aborts the whole unit: nothing to retry alone
            with self.session() as s:
                return work(s)
        for attempt in range(attempts):
            try:
                with self.session() as s:
                    return work(s)
            except (IntegrityError, OperationalError) as exc:
                if not is_retryable(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()

    # -- sessions -------------------------------------------------------------------
    def create_session(
        self,
        name: str,
        *,
        app: tuple[str, str] | None = None,
        device: dict[str, Any] | None = None,
        consent_choice: str | None = None,
        status: str = "recording",
        meta: dict[str, Any] | None = None,
        first_party_domains: Sequence[str] = (),
        exist_ok: bool = False,
    ) -> m.Session:
        validate_session_name(name)
        with self.session() as s:
            existing = s.scalar(select(m.Session).where(m.Session.name == name))
            if existing is not None:
                if exist_ok:
                    return existing
                raise StoreError(f"a session named {name!r} already exists")
            row = m.Session(
                name=name,
                status=status,
                consent_choice=consent_choice,
                started_at=utcnow(),
                meta=meta or {},
            )
            if app is not None:
                row.app_id = self._app_id(s, app[0], app[1] or "", first_party_domains)
            if device is not None:
                dev = m.Device(
                    kind=device.get("kind", "manual"),
                    serial=device.get("serial"),
                    name=device.get("name"),
                    info={k: v for k, v in device.items() if k not in ("kind", "serial", "name")},
                )
                s.add(dev)
                s.flush()
                row.device_id = dev.id
            s.add(row)
        return self.get_session(name)

    def ensure_session(self, name: str, **kwargs: Any) -> m.Session:
        return self.create_session(name, exist_ok=True, **kwargs)

    @staticmethod
    def _app_id(s: OrmSession, package: str, version: str, domains: Sequence[str]) -> uuid.UUID:
        app = s.scalar(select(m.App).where(m.App.package == package, m.App.version == version))
        if app is None:
            app = m.App(package=package, version=version, first_party_domains=list(domains))
            s.add(app)
            s.flush()
        elif domains and not app.first_party_domains:
            app.first_party_domains = list(domains)
        return app.id

    def get_session(self, name: str) -> m.Session:
        with self.session() as s:
            row = s.scalar(select(m.Session).where(m.Session.name == name))
            if row is None:
                raise SessionNotFound(name)
            return row

    def find_session(self, name: str) -> m.Session | None:
        try:
            return self.get_session(name)
        except SessionNotFound:
            return None

    def update_session(self, name: str, **fields: Any) -> m.Session:
        status = fields.get("status")
        if status is not None and status not in SESSION_STATUSES:
            raise StoreError(f"unknown session status {status!r}")
        row = self.get_session(name)
        with self.session() as s:
            s.execute(update(m.Session).where(m.Session.id == row.id).values(**fields))
        return self.get_session(name)

    def set_session_app(self, name: str, package: str, version: str = "", first_party_domains: Sequence[str] = ()) -> None:
        row = self.get_session(name)
        with self.session() as s:
            app_id = self._app_id(s, package, version, first_party_domains)
            s.execute(update(m.Session).where(m.Session.id == row.id).values(app_id=app_id))

    def list_sessions(self, *, app: str | None = None) -> list[m.Session]:
        with self.session() as s:
            q = select(m.Session).order_by(m.Session.created_at, m.Session.name)
            if app:
                q = q.join(m.App, m.Session.app_id == m.App.id).where(m.App.package == app)
            return list(s.scalars(q).unique())

    def delete_session(self, name: str) -> None:
        """Delete a session and everything recorded in it, and bodies no other session uses."""
        row = self.get_session(name)
        with self.session() as s:
            shas = self._session_body_shas(s, row.id)
            delete_orphan_ui_blobs(s, row.id)
            s.execute(delete(m.Session).where(m.Session.id == row.id))
            still_used = self._used_body_shas(s, shas)
            orphans = [sha for sha in shas if sha not in still_used]
            for i in range(0, len(orphans), 500):
                s.execute(delete(m.Body).where(m.Body.sha256.in_(orphans[i : i + 500])))

    @staticmethod
    def _session_body_shas(s: OrmSession, session_id: uuid.UUID) -> list[str]:
        flows = select(m.Flow.request_body_sha, m.Flow.response_body_sha).where(m.Flow.session_id == session_id)
        shas = {sha for pair in s.execute(flows) for sha in pair if sha}
        ws = select(m.WebSocketMessage.body_sha).join(m.Flow, m.Flow.id == m.WebSocketMessage.flow_id).where(
            m.Flow.session_id == session_id
        )
        shas.update(sha for sha in s.scalars(ws) if sha)
        return sorted(shas)

    @staticmethod
    def _used_body_shas(s: OrmSession, shas: list[str]) -> set[str]:
        used: set[str] = set()
        for i in range(0, len(shas), 500):
            chunk = shas[i : i + 500]
            used.update(s.scalars(select(m.Flow.request_body_sha).where(m.Flow.request_body_sha.in_(chunk))))
            used.update(s.scalars(select(m.Flow.response_body_sha).where(m.Flow.response_body_sha.in_(chunk))))
            used.update(s.scalars(select(m.WebSocketMessage.body_sha).where(m.WebSocketMessage.body_sha.in_(chunk))))
        return used

    def counts(self, session_id: uuid.UUID) -> dict[str, Any]:
        with self.session() as s:
            flows = s.scalar(select(func.count()).select_from(m.Flow).where(m.Flow.session_id == session_id))
            errors = s.scalar(
                select(func.count()).select_from(m.Flow).where(m.Flow.session_id == session_id, m.Flow.error.is_not(None))
            )
            by_type = dict(
                s.execute(
                    select(m.Event.type, func.count()).where(m.Event.session_id == session_id).group_by(m.Event.type)
                ).all()
            )
            idents = s.scalar(select(func.count()).select_from(m.Identifier).where(m.Identifier.session_id == session_id))
        return {
            "flows": flows or 0,
            "flow_errors": errors or 0,
            "events": sum(by_type.values()),
            "events_by_type": dict(sorted(by_type.items())),
            "identifiers": idents or 0,
        }

    # -- bodies -----------------------------------------------------------------------
    def _cap(self, data: bytes) -> tuple[bytes, bool]:
        if self.max_body_bytes and len(data) > self.max_body_bytes:
            return data[: self.max_body_bytes], True
        return data, False

    @staticmethod
    def _put_bodies(s: OrmSession, by_sha: dict[str, bytes]) -> None:
        """Insert each blob (keyed by its sha256) unless the store already has it."""
        if not by_sha:
            return
        # Large blobs are looked up first, so a repeated one is not shipped to the
        # database again; small ones go straight to an insert that skips duplicates.
        large = [sha for sha, blob in by_sha.items() if len(blob) >= _LOOKUP_BODIES_FROM]
        existing: set[str] = set()
        for i in range(0, len(large), 500):
            existing.update(s.scalars(select(m.Body.sha256).where(m.Body.sha256.in_(large[i : i + 500]))))
        rows = [{"sha256": sha, "size": len(blob), "data": blob} for sha, blob in by_sha.items() if sha not in existing]
        _insert_rows(s.connection(), _BODIES, rows)

    def body(self, sha: str | None) -> bytes:
        if not sha:
            return b""
        with self.session() as s:
            data = s.scalar(select(m.Body.data).where(m.Body.sha256 == sha))
        return bytes(data) if data is not None else b""

    # -- flows ------------------------------------------------------------------------
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
            _insert_rows(conn, _FLOWS, [row for row, _ws in prepared])
            _insert_rows(conn, _WS_MESSAGES, [w for _row, ws in prepared for w in ws])
            return [str(row["id"]) for row, _ws in prepared]

        return self._retrying(work)

    def _body_sha(self, data: bytes, bodies: dict[str, bytes]) -> tuple[str | None, bool]:
        """(sha256 of the stored bytes or None when empty, cut by the store's cap)."""
        data, cut = self._cap(data)
        if not data:
            return None, cut
        sha = hashlib.sha256(data).hexdigest()  # hashlib drops the GIL for large bodies
        bodies.setdefault(sha, data)
        return sha, cut

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
                    yield _flow_record(r, bodies, ws_by_flow.get(r.id, []))
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
            return _flow_record(r, bodies, ws)

    # -- events -----------------------------------------------------------------------
    def add_events(
        self,
        session_id: uuid.UUID,
        events: Sequence[Event],
        *,
        origin: str = "hook",
        received_at: Sequence[dt.datetime | None] | dt.datetime | None = None,
        clock_offset_ms: float | None = None,
    ) -> int:
        """Append session events; identifiers the events reveal join the identifier set.

        ``clock_offset_ms`` (device minus workstation) turns the source ``ts`` into the
        workstation time stored in ``ts``; by default the session's recorded offset.
        """
        if not events:
            return 0
        if received_at is None or isinstance(received_at, dt.datetime):
            received = [received_at] * len(events)
        else:
            received = list(received_at)

        def work(s: OrmSession) -> int:
            sess = s.get(m.Session, session_id)
            if sess is None:
                raise StoreError("session vanished while writing events")
            offset = sess.clock_offset_ms if clock_offset_ms is None else clock_offset_ms
            seq = (s.scalar(select(func.max(m.Event.seq)).where(m.Event.session_id == session_id)) or 0) + 1
            idents: dict[tuple[str, str], tuple[str, dt.datetime]] = {}
            for i, ev in enumerate(events):
                ts = from_epoch_ms(ev.ts - offset)
                data = storable_json(ev.raw if isinstance(ev, UnknownEvent) else ev.to_json())
                s.add(
                    m.Event(
                        session_id=session_id, seq=seq + i, type=ev.type, ts_source_ms=ev.ts, ts=ts,
                        received_at=received[i], origin=origin, data=data,
                        warning=ev.warning if isinstance(ev, UnknownEvent) else None,
                    )
                )
                for kind, value, source in identifiers_in_event(ev):
                    idents.setdefault((kind, value), (source, ts))
            self._merge_identifiers(s, session_id, idents)
            return len(events)

        return self._retrying(work)

    def iter_events(
        self, session_id: uuid.UUID, *, types: Sequence[str] | None = None, batch: int = 2000
    ) -> Iterator[m.Event]:
        last_seq = 0
        while True:
            with self.session() as s:
                q = select(m.Event).where(m.Event.session_id == session_id, m.Event.seq > last_seq)
                if types:
                    q = q.where(m.Event.type.in_(list(types)))
                rows = list(s.scalars(q.order_by(m.Event.seq).limit(batch)))
            if not rows:
                return
            yield from rows
            last_seq = rows[-1].seq

    # -- identifiers --------------------------------------------------------------------
    def add_identifier(self, session_id: uuid.UUID, kind: str, value: str, source: str = "manual") -> bool:
        def work(s: OrmSession) -> bool:
            return self._merge_identifiers(s, session_id, {(kind, value): (source, utcnow())}) > 0

        return self._retrying(work)

    @staticmethod
    def _merge_identifiers(
        s: OrmSession, session_id: uuid.UUID, idents: dict[tuple[str, str], tuple[str, dt.datetime]]
    ) -> int:
        if not idents:
            return 0
        known = {
            (kind, value)
            for kind, value in s.execute(
                select(m.Identifier.kind, m.Identifier.value).where(m.Identifier.session_id == session_id)
            )
        }
        added = 0
        for (kind, value), (source, ts) in idents.items():
            if (kind, value) in known:
                continue
            s.add(m.Identifier(session_id=session_id, kind=kind, value=value, source=source, first_seen=ts))
            added += 1
        s.flush()
        return added

    def identifiers(self, session_id: uuid.UUID) -> list[m.Identifier]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(m.Identifier).where(m.Identifier.session_id == session_id).order_by(m.Identifier.kind, m.Identifier.value)
                )
            )

    # -- analysis runs and findings -------------------------------------------------------
    def start_run(self, session_id: uuid.UUID, ruleset_version: str, tool_version: str) -> uuid.UUID:
        with self.session() as s:
            run = m.AnalysisRun(session_id=session_id, ruleset_version=ruleset_version, tool_version=tool_version, is_current=False)
            s.add(run)
            s.flush()
            return run.id

    def finish_run(
        self, run_id: uuid.UUID, findings: Sequence[dict[str, Any]], *, stats: dict[str, Any], verdicts: dict[str, Any]
    ) -> None:
        """Store a run's findings and make it the session's current analysis, atomically."""
        with self.session() as s:
            run = s.get(m.AnalysisRun, run_id)
            if run is None:
                raise StoreError("analysis run vanished")
            for i, f in enumerate(findings):
                s.add(
                    m.Finding(
                        id=f["id"], run_id=run_id, session_id=run.session_id, ordinal=i, rule=f["rule"],
                        phase=f["phase"], pii_type=f.get("pii_type"),
                        flow_id=uuid.UUID(f["flow"]["id"]) if f.get("flow") else None,
                        ts=dt.datetime.fromisoformat(f["ts"]), sdk=f.get("sdk"), confidence=f["confidence"],
                        data=storable_json(f),
                    )
                )
            s.execute(
                update(m.AnalysisRun)
                .where(m.AnalysisRun.session_id == run.session_id, m.AnalysisRun.id != run_id)
                .values(is_current=False)
            )
            run.is_current = True
            run.status = "done"
            run.finished_at = utcnow()
            run.stats = stats
            run.verdicts = verdicts

    def fail_run(self, run_id: uuid.UUID, reason: str) -> None:
        with self.session() as s:
            s.execute(
                update(m.AnalysisRun).where(m.AnalysisRun.id == run_id).values(status="failed", finished_at=utcnow(), stats={"error": reason})
            )

    def current_run(self, session_id: uuid.UUID) -> m.AnalysisRun | None:
        with self.session() as s:
            return s.scalar(
                select(m.AnalysisRun)
                .where(m.AnalysisRun.session_id == session_id, m.AnalysisRun.is_current.is_(True))
                .order_by(m.AnalysisRun.started_at.desc())
                .limit(1)
            )

    def runs(self, session_id: uuid.UUID) -> list[m.AnalysisRun]:
        with self.session() as s:
            return list(s.scalars(select(m.AnalysisRun).where(m.AnalysisRun.session_id == session_id).order_by(m.AnalysisRun.started_at)))

    def findings(self, run_id: uuid.UUID) -> list[dict[str, Any]]:
        with self.session() as s:
            return [r for r in s.scalars(select(m.Finding.data).where(m.Finding.run_id == run_id).order_by(m.Finding.ordinal))]


def identifiers_in_event(ev: Event) -> list[tuple[str, str, str]]:
    """(kind, value, source) pairs an event reveals as the device's personal data."""
    if isinstance(ev, IdentifierEvent):
        return [(ev.kind, ev.value, ev.source)] if ev.value else []
    if isinstance(ev, ApiCallEvent) and ev.kind and ev.ret not in (None, "", [], {}):
        from analyzer.match.structured import identifiers_in_return

        inside = identifiers_in_return(ev.kind, ev.ret)  # contact rows, accounts, scan results, packages
        if inside:
            return [(kind, value, "hook") for kind, value in inside]
        if isinstance(ev.ret, (str, int, float)):
            return [(ev.kind, str(ev.ret), "hook")]
        if isinstance(ev.ret, list):  # cursor rows of a one-value provider (vivo / Meizu OAID)
            values = (str(v) for row in ev.ret[:20] if isinstance(row, dict) for v in row.values())
            return [(ev.kind, v, "hook") for v in dict.fromkeys(values) if v.strip() and v != "null"]
    return []


def validate_session_name(name: str) -> None:
    if not name or len(name) > 200 or any(c in name for c in "/\\\x00\n\r\t") or name.strip() != name:
        raise StoreError(f"invalid session name {name!r}: 1-200 characters, no slashes, tabs or newlines")


def _flow_record(r: m.Flow, bodies: dict[str, bytes], ws_rows: list[m.WebSocketMessage]) -> FlowRecord:
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


_engines: dict[str, Store] = {}


def open_store(url: str | None = None, *, migrate_schema: bool = True) -> Store:
    """Open (and migrate) the store at URL; same URL in one process shares the engine."""
    resolved = resolve_url(url)
    store = _engines.get(resolved)
    if store is None:
        engine = make_engine(resolved)
        if migrate_schema:
            migrate(engine)
        store = Store(engine, resolved)
        _engines[resolved] = store
    return store
