"""Flows into the store at driver level: the live proxy's write path.

``Store.add_flows`` goes through SQLAlchemy's typed statements, which turn every value
into a driver parameter in Python (a UUID processor, a JSON processor, a datetime
processor per value, a parameter dict per row). For the capture writer that was most
of its CPU time. Here each flow becomes one tuple of values the driver takes as they
are, and a batch goes to the database in a few statements:

- SQLite: ``BEGIN IMMEDIATE`` (the write lock before the session's last ``seq`` is read),
  then multi-row ``INSERT ... VALUES (...), (...)`` of a few fixed sizes, so the
  statements stay in the driver's statement cache and the driver gives up the GIL once
  per statement, not once per row as ``executemany`` does;
- PostgreSQL: ``COPY flows FROM STDIN`` (psycopg's C row writer) and a pipelined
  ``executemany`` for bodies, which skip those already stored.

The writer keeps one driver connection of its own (opened through the engine, so with the
same settings), which saves a pool checkout, a reset and SQLAlchemy's transaction
bookkeeping per batch; after an error that leaves it unusable it is dropped and opened
anew on the next batch.

What is stored is what ``Store.add_flows`` stores, value for value (the same fitting
rules, the same body cap, bodies once per sha256, ``seq`` numbered in the session and
renumbered when a concurrent writer took the numbers); tests/capture/test_capture_write_path.py
reads both back and compares. Values go in as each backend's column type keeps them:
on SQLite, UUIDs as 32 hex digits and times as ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC,
as SQLAlchemy writes them there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import sqlite3
import time
import uuid
from typing import Any, Callable, Sequence
from urllib.parse import SplitResult, urlsplit

from analyzer.models.flow import FlowRecord
from analyzer.store.faults import is_retryable
from analyzer.store.fit import INT32_MAX, MAX_HEADER_CHARS, fit_flow

UTC = dt.timezone.utc
FLOW_COLUMNS = (
    "id", "session_id", "seq", "source", "method", "url", "scheme", "host", "port", "path", "http_version",
    "request_headers", "request_body_sha", "request_body_size", "request_truncated", "status_code", "reason",
    "response_headers", "response_body_sha", "response_body_size", "response_truncated", "ts_start",
    "ts_request_end", "ts_response_start", "ts_end", "tls", "tls_version", "sni", "client_addr", "server_addr",
    "error", "is_websocket", "meta",
)
WS_COLUMNS = ("flow_id", "seq", "from_client", "is_text", "body_sha", "size", "truncated", "ts")
BODY_COLUMNS = ("sha256", "size", "data")
_SEQ = FLOW_COLUMNS.index("seq")
LOOKUP_BODIES_FROM = 4096  # bytes: larger bodies are looked up before they are sent
# SQLite's limit on parameters per statement: 999 before 3.32, 32766 since.
_SQLITE_MAX_PARAMS = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
_ATTEMPTS = 8


def _sqlite_time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # as UTCDateTime: a naive time is refused, never guessed
        raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_time(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
    return value


# Bounded text columns (analyzer/store/models.py), checked together in _surely_fits.
_BOUNDED = (("source", 16), ("method", 32), ("http_version", 16), ("reason", 255), ("tls_version", 32),
            ("sni", 255), ("client_addr", 64), ("server_addr", 300))


def _surely_fits(f: FlowRecord, port_ok: bool) -> bool:
    """True when every value fits its column as it is (most live flows): fit_flow is skipped.

    Never looser than fit_flow's own check (any doubt sends the flow there), and cheaper:
    the live proxy's writer runs it for every flow.
    """
    if f.websocket or not port_ok or (f.status_code is not None and not 0 <= f.status_code <= INT32_MAX):
        return False
    texts = [f.url, f.error or ""]
    for name, limit in _BOUNDED:
        value = getattr(f, name)
        if value is not None:
            if len(value) > limit:
                return False
            texts.append(value)
    for value in f.meta.values():
        if type(value) is str:
            texts.append(value)
        elif value is not None and type(value) is not bool:
            return False
    return plain_texts_fit(texts, [part for header in f.request_headers + f.response_headers for part in header])


def plain_texts_fit(texts: list[str], header_parts: list[str]) -> bool:
    """The text values of a row (bounds already checked) and its header names and values
    fit as they are: ASCII, no NUL, headers within MAX_HEADER_CHARS."""
    joined = "".join(texts + header_parts)
    if not joined.isascii() or "\x00" in joined:
        return False
    return len(joined) <= MAX_HEADER_CHARS or all(len(part) <= MAX_HEADER_CHARS for part in header_parts)


def _port(parts: SplitResult) -> tuple[int | None, bool]:
    """The URL's port, and whether it is one the store keeps as it is."""
    try:
        port = parts.port
    except ValueError:  # outside 0-65535, or not a number
        return None, False
    return port, port is not None or ":" not in parts.netloc.rsplit("]", 1)[-1]


class _Backend:
    """How one database takes values and rows."""

    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"
        self.uuid: Callable[[uuid.UUID], Any] = (lambda u: u.hex) if self.sqlite else (lambda u: u)
        self.time: Callable[[dt.datetime | None], Any] = _sqlite_time if self.sqlite else _pg_time


class BulkFlows:
    """Prepares and writes batches of FlowRecords for one store (SQLite or PostgreSQL)."""

    def __init__(self, store) -> None:
        self.store = store
        self.backend = _Backend(store.engine.dialect.name)
        self._conn = None  # the pool's wrapper of our driver connection, opened on first use

    # -- rows ------------------------------------------------------------------------------
    def _body(self, data: bytes, bodies: dict[str, bytes]) -> tuple[str | None, bool]:
        """(sha256 of the stored bytes, or None when empty; cut by the store's cap)."""
        cap = self.store.max_body_bytes
        cut = bool(cap) and len(data) > cap
        if cut:
            data = data[:cap]
        if not data:
            return None, cut
        sha = hashlib.sha256(data).hexdigest()  # once per body; hashlib drops the GIL for large ones
        bodies.setdefault(sha, data)
        return sha, cut

    def prepare(self, session_id: uuid.UUID, f: FlowRecord, bodies: dict[str, bytes]) -> tuple[list[Any], list[tuple]]:
        """The flows row (``seq`` still 0) and its websocket_messages rows; bodies join ``bodies``."""
        parts = urlsplit(f.url)
        port, port_ok = _port(parts)
        if not _surely_fits(f, port_ok):
            fitted = fit_flow(f)
            if fitted.url != f.url:
                parts = urlsplit(fitted.url)
                port, _ok = _port(parts)
            f = fitted
        b = self.backend
        flow_id = uuid.UUID(f.id) if f.id else uuid.uuid4()
        req_sha, req_cut = self._body(f.request_body, bodies)
        resp_sha, resp_cut = self._body(f.response_body, bodies)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        row = [
            b.uuid(flow_id), b.uuid(session_id), 0, f.source, f.method, f.url, parts.scheme[:16],
            (parts.hostname or "").lower()[:255], port, path, f.http_version, json.dumps(f.request_headers),
            req_sha, f.request_body_size if f.request_body_size is not None else len(f.request_body),
            req_cut or f.request_truncated, f.status_code, f.reason, json.dumps(f.response_headers), resp_sha,
            f.response_body_size if f.response_body_size is not None else len(f.response_body),
            resp_cut or f.response_truncated, b.time(f.ts_start), b.time(f.ts_request_end),
            b.time(f.ts_response_start), b.time(f.ts_end), f.tls, f.tls_version, f.sni, f.client_addr,
            f.server_addr, f.error, bool(f.websocket) or bool(f.meta.get("websocket")), json.dumps(f.meta),
        ]
        ws_rows = []
        for i, msg in enumerate(f.websocket):
            sha, cut = self._body(msg.content, bodies)
            ws_rows.append((b.uuid(flow_id), i, msg.from_client, msg.is_text, sha, len(msg.content), cut, b.time(msg.ts)))
        return row, ws_rows

    def _prepare_any(self, session_id: uuid.UUID, f, bodies: dict[str, bytes]) -> tuple[list[Any], list[tuple]]:
        """A flow that makes its own row (the live proxy's, analyzer/capture/rows.py) does; others are prepared."""
        if not hasattr(f, "store_row"):
            return self.prepare(session_id, f, bodies)
        made = f.store_row(self, session_id, bodies)
        return made if made is not None else self.prepare(session_id, f.record(), bodies)

    # -- writing ---------------------------------------------------------------------------
    def add_flows(self, session_id: uuid.UUID, flows: Sequence[FlowRecord]) -> list[str]:
        """Store the flows in one transaction, numbered after the session's last; their ids."""
        if not flows:
            return []
        bodies: dict[str, bytes] = {}
        prepared = [self._prepare_any(session_id, f, bodies) for f in flows]  # once: a retry only renumbers
        rows = [row for row, _ws in prepared]
        ws_rows = [w for _row, ws in prepared for w in ws]
        for attempt in range(_ATTEMPTS):
            try:
                self._transaction(session_id, rows, ws_rows, bodies)
                break
            except Exception as exc:  # noqa: BLE001 - only a lost numbering race is retried here
                if attempt == _ATTEMPTS - 1 or not is_retryable(exc):
                    raise
                time.sleep(0.02 * (attempt + 1))
        return [str(uuid.UUID(hex=r[0]) if self.backend.sqlite else r[0]) for r in rows]

    def close(self) -> None:
        """Give up the driver connection (call from the thread that wrote)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.invalidate()  # closed, not pooled: it was set up for this writer alone

    def _driver(self):
        """The writer's own driver connection, opened through the engine (same settings, pragmas)."""
        if self._conn is None:
            conn = self.store.engine.raw_connection()
            if self.backend.sqlite:
                conn.driver_connection.isolation_level = None  # BEGIN and COMMIT are ours
            self._conn = conn
        return self._conn.driver_connection

    def _transaction(self, session_id: uuid.UUID, rows: list[list[Any]], ws_rows: list[tuple],
                     bodies: dict[str, bytes]) -> None:
        raw = self._driver()
        try:
            with contextlib.closing(raw.cursor()) as cur:
                if self.backend.sqlite:
                    # the write lock first: no other writer can take our seq numbers in between
                    cur.execute("BEGIN IMMEDIATE")
                self._write(cur, session_id, rows, ws_rows, bodies)
                if self.backend.sqlite:
                    cur.execute("COMMIT")
            if not self.backend.sqlite:
                raw.commit()
        except BaseException:
            self._abandon(raw)
            raise

    def _abandon(self, raw) -> None:
        """After a failed batch: roll back, and drop a connection that is no longer usable."""
        try:
            if self.backend.sqlite:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
            else:
                raw.rollback()
                if raw.closed or raw.broken:
                    raise ConnectionError("connection lost")
        except Exception:  # noqa: BLE001 - the store went away under us: open anew next time
            conn, self._conn = self._conn, None
            try:
                conn.invalidate()
            except Exception:  # noqa: BLE001
                pass

    def _write(self, cur, session_id: uuid.UUID, rows: list[list[Any]], ws_rows: list[tuple],
               bodies: dict[str, bytes]) -> None:
        sid = self.backend.uuid(session_id)
        mark = "?" if self.backend.sqlite else "%s"
        large = [sha for sha, blob in bodies.items() if len(blob) >= LOOKUP_BODIES_FROM]
        stored: set[str] = set()
        for i in range(0, len(large), 500):
            chunk = large[i : i + 500]
            cur.execute(f"SELECT sha256 FROM bodies WHERE sha256 IN ({', '.join([mark] * len(chunk))})", tuple(chunk))
            stored.update(r[0] for r in cur.fetchall())
        body_rows = [(sha, len(blob), blob) for sha, blob in bodies.items() if sha not in stored]
        cur.execute(f"SELECT max(seq) FROM flows WHERE session_id = {mark}", (sid,))
        seq = (cur.fetchone()[0] or 0) + 1
        for offset, row in enumerate(rows):
            row[_SEQ] = seq + offset
        if self.backend.sqlite:
            _sqlite_insert(cur, "bodies", BODY_COLUMNS, body_rows, " ON CONFLICT (sha256) DO NOTHING")
            _sqlite_insert(cur, "flows", FLOW_COLUMNS, rows)
            _sqlite_insert(cur, "websocket_messages", WS_COLUMNS, ws_rows)
        else:
            _pg_write(cur, body_rows, rows, ws_rows)


@functools.cache
def _sqlite_statement(table: str, columns: tuple[str, ...], rows: int, suffix: str) -> str:
    one = "(" + ", ".join("?" * len(columns)) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)}{suffix}"


def _sqlite_insert(cur, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], suffix: str = "") -> None:
    """Rows in multi-row statements whose sizes are powers of two (a handful of shapes, cached)."""
    largest = 1 << ((_SQLITE_MAX_PARAMS // len(columns)).bit_length() - 1)
    done = 0
    while done < len(rows):
        size = min(largest, 1 << ((len(rows) - done).bit_length() - 1))
        params = tuple(value for row in rows[done : done + size] for value in row)
        cur.execute(_sqlite_statement(table, columns, size, suffix), params)
        done += size


def _pg_write(cur, body_rows: list[tuple], rows: list[list[Any]], ws_rows: list[tuple]) -> None:
    """Bodies first (flows refer to them), then COPY of flows and websocket messages."""
    if body_rows:  # one statement for the batch: a row per body as arrays, not a round of the protocol per body
        shas, sizes, blobs = zip(*body_rows)
        cur.execute("INSERT INTO bodies (sha256, size, data) SELECT * FROM unnest(%s::varchar[], %s::int8[], %b::bytea[])"
                    " ON CONFLICT (sha256) DO NOTHING", (list(shas), list(sizes), list(blobs)))
    with cur.copy(f"COPY flows ({', '.join(FLOW_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if ws_rows:
        with cur.copy(f"COPY websocket_messages ({', '.join(WS_COLUMNS)}) FROM STDIN") as copy:
            for ws in ws_rows:
                copy.write_row(ws)
