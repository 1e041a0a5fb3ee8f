"""Database errors classified by their codes (SQLite result codes, PostgreSQL SQLSTATE), never by wording."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from analyzer.store.faults import Fault, classify, is_retryable


def test_sqlite_lock_is_busy_and_full_or_read_only_is_refused(tmp_path):
    path = tmp_path / "l.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    assert classify(locked.value) is Fault.BUSY and is_retryable(locked.value)
    holder.execute("ROLLBACK")
    small = sqlite3.connect(tmp_path / "full.db")
    small.execute("CREATE TABLE t (x)")
    small.execute("PRAGMA max_page_count = 3")  # the disk is "full" at three pages
    with pytest.raises(sqlite3.Error) as full:
        small.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
    assert classify(full.value) is Fault.REFUSED
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as read_only:
        ro.execute("INSERT INTO t VALUES (1)")
    assert classify(read_only.value) is Fault.REFUSED and not is_retryable(read_only.value)


@pytest.mark.postgres
def test_postgres_codes(pg_database_url):
    engine = create_engine(pg_database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS fault_t (id int PRIMARY KEY, s int, CONSTRAINT uq_fault_s UNIQUE (s))"))
        conn.execute(text("DELETE FROM fault_t"))
        conn.execute(text("INSERT INTO fault_t VALUES (1, 1)"))
    for sql, expected in (("INSERT INTO fault_t VALUES (2, 1)", Fault.BUSY),  # uq_*: a sequence race, retried
                          ("INSERT INTO fault_t VALUES (1, 5)", Fault.DATA),  # the same primary key: not retried
                          ("INSERT INTO fault_t VALUES (3, 9999999999)", Fault.DATA)):
        with pytest.raises(DBAPIError) as err, engine.begin() as conn:
            conn.execute(text(sql))
        assert classify(err.value) is expected, sql
    with pytest.raises(DBAPIError) as ro, engine.begin() as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        conn.execute(text("INSERT INTO fault_t VALUES (4, 4)"))
    assert classify(ro.value) is Fault.REFUSED
    away = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with pytest.raises(DBAPIError) as gone:
        away.connect()
    assert classify(gone.value) is Fault.AWAY
    engine.dispose()
