"""Multi-row INSERTs: how flows, bodies and websocket messages reach the database in bulk.

Rows go in as multi-row INSERTs of a few fixed sizes (compiled once each), not as
executemany: SQLite's driver drops and retakes the GIL for every row of an executemany,
and each time the proxy's event loop has to hand it over. Sizes stay under SQLite's
oldest limit of 999 parameters per statement.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Dialect

from analyzer.store import models as m

MAX_PARAMS = 999
_BODIES = m.Body.__table__


@functools.cache
def multi_row_insert(table: Table, columns: tuple[str, ...], rows: int, dialect: Dialect):
    """INSERT of ``rows`` rows in one statement; into bodies, rows already there are left alone.

    Written as typed text: SQLAlchemy caches no multi-VALUES ``insert().values([...])``,
    while this compiles once and still runs every value through its column's type.
    """
    quote = dialect.identifier_preparer.quote
    names = param_names(columns, rows)
    values = ", ".join("(" + ", ".join(f":{n}" for n in row) + ")" for row in names)
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES {values}"
    if table is _BODIES:  # same syntax on SQLite (3.24+) and PostgreSQL
        sql += " ON CONFLICT (sha256) DO NOTHING"
    binds = [bindparam(n, type_=table.c[c].type) for row in names for n, c in zip(row, columns)]
    return text(sql).bindparams(*binds)


@functools.cache
def param_names(columns: tuple[str, ...], rows: int) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(f"{c}_{i}" for c in columns) for i in range(rows))


def insert_rows(conn, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in a handful of multi-row statements."""
    if not rows:
        return
    columns = tuple(rows[0])
    largest = 1 << ((MAX_PARAMS // len(columns)).bit_length() - 1)
    done = 0
    while done < len(rows):
        size = min(largest, 1 << ((len(rows) - done).bit_length() - 1))  # powers of two: few shapes
        chunk = rows[done : done + size]
        params = {
            name: row[column]
            for names, row in zip(param_names(columns, size), chunk)
            for name, column in zip(names, columns)
        }
        conn.execute(multi_row_insert(table, columns, size, conn.dialect), params)
        done += size
