"""A batching writer: producers never wait on the database.

The proxy's event loop and the Frida message thread hand records to ``put_*`` (a queue
append); a background thread writes them in batches every ``interval`` seconds or
``batch_size`` records. ``flush()`` waits until everything handed in so far is
committed; ``close()`` flushes and stops. A hard kill loses at most what arrived since
the last batch commit (``interval`` seconds of records).
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Sequence

from analyzer.models.events import Event
from analyzer.models.flow import FlowRecord

log = logging.getLogger(__name__)


@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class BatchWriter:
    def __init__(self, store, session_id: uuid.UUID, *, interval: float = 0.5, batch_size: int = 200) -> None:
        self.store = store
        self.session_id = session_id
        self.interval = interval
        self.batch_size = batch_size
        self.written_flows = 0
        self.written_events = 0
        self.errors: list[str] = []
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="consentry-writer", daemon=True)
        self._thread.start()

    # producers -------------------------------------------------------------------------
    def put_flow(self, flow: FlowRecord) -> None:
        self._queue.put(("flow", flow))

    def put_event(self, event: Event, received_at=None, origin: str = "hook") -> None:
        self._queue.put(("event", (event, received_at, origin)))

    def flush(self, timeout: float | None = 60.0) -> bool:
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 60.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

    # the writer thread -------------------------------------------------------------------
    def _run(self) -> None:
        flows: list[FlowRecord] = []
        events: list[tuple[Event, Any, str]] = []
        while True:
            try:
                item = self._queue.get(timeout=self.interval)
            except queue.Empty:
                item = "tick"
            if isinstance(item, tuple):
                (flows if item[0] == "flow" else events).append(item[1])
                if len(flows) + len(events) < self.batch_size:
                    continue
            self._write(flows, events)
            flows, events = [], []
            if isinstance(item, _Flush):
                item.done.set()
            elif item is None:
                return

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
