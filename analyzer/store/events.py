"""Events of a session (hook calls, consent, UI, lifecycle ...) and the identifiers they reveal.

Events are stored with the device-clock offset applied once, here: ``ts`` is workstation
time (UTC), ``ts_source_ms`` the time the source reported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from analyzer.models.events import Event, StoredEvent, UnknownEvent
from analyzer.store import models as m
from analyzer.store.db import StoreError
from analyzer.store.fit import storable_json
from analyzer.store.types import from_epoch_ms, utcnow


class EventsMixin:
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
                for kind, value, source in self.identifiers_of(ev):
                    idents.setdefault((kind, value), (source, ts))
            self._merge_identifiers(s, session_id, idents)
            return len(events)

        return self._retrying(work)

    def iter_events(
        self, session_id: uuid.UUID, *, types: Sequence[str] | None = None, batch: int = 2000
    ) -> Iterator[StoredEvent]:
        """A session's events in arrival order, each parsed (``.event``) with its stored time."""
        last_seq = 0
        while True:
            with self.session() as s:
                q = select(m.Event).where(m.Event.session_id == session_id, m.Event.seq > last_seq)
                if types:
                    q = q.where(m.Event.type.in_(list(types)))
                rows = list(s.scalars(q.order_by(m.Event.seq).limit(batch)))
            if not rows:
                return
            for r in rows:
                yield StoredEvent(r.seq, r.type, r.ts, r.ts_source_ms, r.origin, r.data or {}, r.received_at, r.warning)
            last_seq = rows[-1].seq

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
