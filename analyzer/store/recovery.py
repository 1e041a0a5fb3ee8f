"""Store queries for recovering after a fault: which spooled flows are already stored."""

from __future__ import annotations

import uuid
from typing import Iterable

from sqlalchemy import select

from analyzer.store import models as m


def stored_flow_ids(store, ids: Iterable[str]) -> set[str]:
    wanted = [uuid.UUID(i) for i in ids]
    found: set[str] = set()
    with store.session() as s:
        for i in range(0, len(wanted), 500):
            found.update(str(x) for x in s.scalars(select(m.Flow.id).where(m.Flow.id.in_(wanted[i : i + 500]))))
    return found
