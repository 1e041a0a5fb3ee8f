"""Findings of a running analysis go to the store in batches instead of a list in memory.

A session of 10,000 requests gives 40,000 findings of a few KB each; holding them all,
then building one ORM object each for a single insert, took the analysis past half a
gigabyte. Here each batch is inserted as soon as it fills, under a provisional
(negative) ordinal, while the run is not yet current (no reader sees it). Only the sort
key of each finding (time, id) stays in memory; at the end the findings get their
ordinals in (time, id) order, the order reports list them in, and the run is made
current by ``Store.finish_run``. A run that fails has its rows removed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, Iterable, Iterator

from sqlalchemy import bindparam, delete, func, insert, select, update

from analyzer.analysis.findings import finding_json, finding_rules
from analyzer.models.report import Finding
from analyzer.store import models as m
from analyzer.store.fit import storable_json

BATCH = 1000
_TABLE = m.Finding.__table__


def _run_pages(store, run_id: uuid.UUID, key, *columns) -> Iterator[list]:
    """A run's finding rows, (key, *columns) ordered by key, a page of BATCH rows at a time
    (keyset pagination: each page is its own short read)."""
    last = None
    while True:
        query = select(key, *columns).where(_TABLE.c.run_id == run_id)
        if last is not None:
            query = query.where(key > last)
        with store.session() as s:
            rows = s.execute(query.order_by(key).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class FindingSink:
    """Collects a run's findings into the store, a batch at a time."""

    def __init__(self, store, run_id: uuid.UUID, session_id: uuid.UUID) -> None:
        self.store = store
        self.run_id = run_id
        self.session_id = session_id
        self.count = 0
        self.rule_counts: dict[str, int] = {}
        self._keys: list[str] = []  # "ts\0id" (sorts as the (ts, id) key) by provisional position
        self._pending: list[dict[str, Any]] = []

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            f = finding_json(finding)  # the stored form; reports read it back as is
            for rule in finding_rules(f):
                self.rule_counts[rule] = self.rule_counts.get(rule, 0) + 1
            self._keys.append(f"{f['ts']}\0{f['id']}")  # the (ts, id) report order
            self._pending.append({
                "id": f["id"], "run_id": self.run_id, "session_id": self.session_id, "ordinal": -1 - self.count,
                "rule": f["rule"], "phase": f["phase"], "pii_type": f.get("pii_type"),
                "flow_id": uuid.UUID(f["flow"]["id"]) if f.get("flow") else None,
                "ts": dt.datetime.fromisoformat(f["ts"]), "sdk": f.get("sdk"), "confidence": f["confidence"],
                "data": storable_json(f),
            })
            self.count += 1
            if len(self._pending) >= BATCH:
                self._flush()

    def _flush(self) -> None:
        if self._pending:
            with self.store.session() as s:
                s.execute(insert(_TABLE), self._pending)
            self._pending = []

    def finish(self) -> None:
        """Store what is pending and number the run's findings in report order."""
        self._flush()
        order = sorted(range(self.count), key=self._keys.__getitem__)
        self._keys = []
        final_of = [0] * self.count  # provisional position -> ordinal
        for final, provisional in enumerate(order):
            final_of[provisional] = final
        del order
        stmt = update(_TABLE).where(_TABLE.c.pk == bindparam("row_pk")).values(ordinal=bindparam("final"))
        for rows in _run_pages(self.store, self.run_id, _TABLE.c.pk, _TABLE.c.ordinal):
            with self.store.session() as s:
                s.connection().execute(stmt, [{"row_pk": pk, "final": final_of[-1 - ordinal]} for pk, ordinal in rows])

    def discard(self) -> None:
        """Remove what a failed run stored."""
        self._pending = []
        with self.store.session() as s:
            s.execute(delete(_TABLE).where(_TABLE.c.run_id == self.run_id))


class RunFindings(Sequence):
    """A run's findings (report-JSON dicts, report order) read from the store a page at a
    time: what ``AnalysisResult.findings`` holds, so the result stays small."""

    def __init__(self, store, run_id: uuid.UUID, count: int | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self._count = count

    def __len__(self) -> int:
        if self._count is None:
            with self.store.session() as s:
                self._count = s.scalar(select(func.count()).select_from(_TABLE).where(_TABLE.c.run_id == self.run_id)) or 0
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for rows in _run_pages(self.store, self.run_id, _TABLE.c.ordinal, _TABLE.c.data):
            for _ordinal, data in rows:
                yield data

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        with self.store.session() as s:
            return s.scalar(select(m.Finding.data).where(m.Finding.run_id == self.run_id, m.Finding.ordinal == index))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, Sequence)) else NotImplemented

    def __repr__(self) -> str:
        return f"RunFindings(run {self.run_id}, {len(self)} findings)"
