"""What a database error means for a writer: retry, wait for the store, or give up.

Decided from the driver's error codes (SQLite result codes, PostgreSQL SQLSTATE), never
from the wording of the message, which changes between versions and locales.
"""

from __future__ import annotations

import enum
import sqlite3

from sqlalchemy.exc import DBAPIError


class Fault(enum.Enum):
    BUSY = "busy"  # another writer holds the lock / took our numbers: retry soon
    AWAY = "away"  # the store does not answer: hold the records and retry until it does
    REFUSED = "refused"  # the store answers but takes no writes (disk full, read-only)
    DATA = "data"  # this record does not fit: store it another way


# SQLite primary result codes (https://www.sqlite.org/rescode.html)
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 11, 13, 14
_SQLITE_CONSTRAINT_UNIQUE = 2067  # extended code; a repeated primary key is 1555

_PG_AWAY_CLASSES = ("08",)  # connection exception
_PG_AWAY_STATES = {"57P01", "57P02", "57P03", "53300"}  # shutdown, crash, starting up, too many connections
_PG_BUSY_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_PG_UNIQUE = "23505"
_PG_REFUSED_STATES = {"53100", "25006", "42501", "58030"}  # disk full, read-only transaction, privilege, io error


def classify(exc: BaseException) -> Fault:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Fault.AWAY
    if isinstance(orig, sqlite3.Error):
        return _classify_sqlite(orig)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == _PG_UNIQUE:  # uq_*_session_seq: a concurrent writer took our numbers
        constraint = getattr(getattr(orig, "diag", None), "constraint_name", None) or ""
        return Fault.BUSY if constraint.startswith("uq_") else Fault.DATA
    if sqlstate is not None:
        return _classify_pg(sqlstate)
    if _is_connection_error(orig):
        return Fault.AWAY
    if isinstance(orig, (UnicodeError, ValueError, TypeError, OverflowError)):
        return Fault.DATA
    return Fault.DATA


def _classify_sqlite(err: sqlite3.Error) -> Fault:
    code = getattr(err, "sqlite_errorcode", None)
    if code is None:
        return Fault.DATA if isinstance(err, (sqlite3.DataError, sqlite3.IntegrityError)) else Fault.REFUSED
    primary = code & 0xFF
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return Fault.BUSY
    if primary in (_SQLITE_READONLY, _SQLITE_FULL, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_CANTOPEN):
        return Fault.REFUSED
    if code == _SQLITE_CONSTRAINT_UNIQUE:  # (session, seq): a concurrent writer took our numbers
        return Fault.BUSY
    return Fault.DATA


def _classify_pg(sqlstate: str) -> Fault:
    if sqlstate in _PG_BUSY_STATES:
        return Fault.BUSY
    if sqlstate in _PG_AWAY_STATES or sqlstate[:2] in _PG_AWAY_CLASSES:
        return Fault.AWAY
    if sqlstate in _PG_REFUSED_STATES:
        return Fault.REFUSED
    return Fault.DATA


def _is_connection_error(orig: BaseException | None) -> bool:
    if isinstance(orig, (ConnectionError, TimeoutError)):
        return True
    import psycopg  # a dependency; imported here so SQLite-only commands never load it
    # psycopg raises OperationalError without a SQLSTATE when it cannot connect at all
    return isinstance(orig, psycopg.OperationalError) and getattr(orig, "sqlstate", None) is None


def is_retryable(exc: BaseException) -> bool:
    """True for the errors a transaction should simply run again (lock, lost sequence race)."""
    return classify(exc) is Fault.BUSY


def one_line(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).strip().splitlines()
    return (text[0] if text else type(orig).__name__)[:300]
