"""Small read-only store queries the runner needs for live progress."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from analyzer.store import models as m


def flows_after(store, session_id: uuid.UUID, seq: int, limit: int | None = 200) -> list[tuple[int, str, str, int | None, str | None]]:
    """(seq, method, url, status, error) of the session's flows after ``seq``, no bodies."""
    with store.session() as s:
        rows = s.execute(
            select(m.Flow.seq, m.Flow.method, m.Flow.url, m.Flow.status_code, m.Flow.error)
            .where(m.Flow.session_id == session_id, m.Flow.seq > seq)
            .order_by(m.Flow.seq)
            .limit(limit)
        ).all()
    return [tuple(r) for r in rows]
