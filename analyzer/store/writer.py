"""A batching writer: producers never wait on the database.

The proxy's event loop and the Frida message thread hand records to ``put_*``; a
background thread writes them in batches every ``interval`` seconds, or sooner once
``batch_size`` records are waiting. ``flush()`` waits until everything handed in so far
is committed; ``close()`` flushes and stops. A hard kill loses at most what arrived
since the last batch commit (``interval`` seconds of records).

Handing in is a deque append: the writer thread is not woken per record (a queue
would wake it, and hand the GIL back and forth, for every flow the proxy forwards),
only when a batch is full, on flush/close, or when the interval runs out.
"""

from __future__ import annotations

import collections
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Sequence

from analyzer.models.events import Event
from analyzer.models.flow import FlowRecord

log = logging.getLogger(__name__)

_FLOW, _EVENT = "flow", "event"
_CLOSE = object()


@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class BatchWriter:
    def __init__(self, store, session_id: uuid.UUID, *, interval: float = 0.5, batch_size: int = 500) -> None:
        self.store = store
        self.session_id = session_id
        self.interval = interval
        self.batch_size = batch_size
        self.written_flows = 0
        self.written_events = 0
        self.errors: list[str] = []
        # deque.append/popleft are atomic: producers need no lock.
        self._pending: collections.deque[Any] = collections.deque()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="consentry-writer", daemon=True)
        self._thread.start()

    # producers -------------------------------------------------------------------------
    def put_flow(self, flow: FlowRecord) -> None:
        self._pending.append((_FLOW, flow))
        if len(self._pending) >= self.batch_size and not self._wake.is_set():
            self._wake.set()

    def put_event(self, event: Event, received_at=None, origin: str = "hook") -> None:
        self._pending.append((_EVENT, (event, received_at, origin)))
        if len(self._pending) >= self.batch_size and not self._wake.is_set():
            self._wake.set()

    def flush(self, timeout: float | None = 60.0) -> bool:
        marker = _Flush()
        self._pending.append(marker)
        self._wake.set()
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._pending.append(_CLOSE)
        self._wake.set()
        self._thread.join(timeout)

    # the writer thread -------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._drain():
                return

    def _drain(self) -> bool:
        """Write what is waiting now, a batch at a time; True once close() was asked.

        Only what was there on entry: under a steady stream, flush markers still get set.
        """
        flows: list[FlowRecord] = []
        events: list[tuple[Event, Any, str]] = []
        flushed: list[_Flush] = []
        closing = False
        for _ in range(len(self._pending)):
            item = self._pending.popleft()
            if isinstance(item, tuple):
                (flows if item[0] == _FLOW else events).append(item[1])
                if len(flows) + len(events) >= self.batch_size:
                    self._write(flows, events)
                    flows, events = [], []
            elif item is _CLOSE:
                closing = True
            else:
                flushed.append(item)
        self._write(flows, events)
        for marker in flushed:
            marker.done.set()
        return closing

    def _write(self, flows: Sequence[FlowRecord], events: Sequence[tuple[Event, Any, str]]) -> None:
        if flows:
            try:
                self.store.add_flows(self.session_id, flows)
                self.written_flows += len(flows)
            except Exception as exc:  # noqa: BLE001 - keep capturing; the error is reported at close
                self._record_error(f"could not store {len(flows)} flows: {exc}")
        by_origin: dict[str, list[tuple[Event, Any]]] = {}
        for ev, received, origin in events:
            by_origin.setdefault(origin, []).append((ev, received))
        for origin, items in by_origin.items():
            try:
                self.store.add_events(
                    self.session_id, [e for e, _ in items], origin=origin, received_at=[r for _, r in items]
                )
                self.written_events += len(items)
            except Exception as exc:  # noqa: BLE001
                self._record_error(f"could not store {len(items)} events: {exc}")

    def _record_error(self, message: str) -> None:
        first = message.splitlines()[0][:300]
        self.errors.append(first)
        log.error("%s", first)
