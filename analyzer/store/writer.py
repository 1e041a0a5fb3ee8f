"""A batching writer: producers never wait on the database, and nothing is dropped quietly.

The proxy's event loop and the Frida message thread hand records to ``put_*``; a
background thread writes them in batches every ``interval`` seconds, or sooner once
``batch_size`` records are waiting. ``flush()`` waits until everything handed in so far
is committed; ``close()`` flushes and stops. A hard kill loses at most what arrived
since the last batch commit (``interval`` seconds of records).

Handing in is a deque append: the writer thread is not woken per record (a queue
would wake it, and hand the GIL back and forth, for every flow the proxy forwards),
only when a batch is full, on flush/close, or when the interval runs out. The proxy
hands in a raw snapshot of each flow (``put_snapshot``); turning it into a FlowRecord
is the writer's job (``to_record``), so the event loop does no per-flow conversion.
Flows reach a real store at driver level (analyzer/store/bulk_flows.py).

When a batch fails, what happens depends on why (analyzer/store/faults.py):
- one record does not fit: the batch is written again record by record, and a record
  the store still refuses is stored in part (``fit_flow_minimal``); it never takes the
  rest of its batch with it;
- the store is away: batches go to a bounded on-disk spool and are written back, oldest
  first, once it answers again (``state`` is ``away`` meanwhile);
- the store refuses writes (disk full, read-only) or the spool is full: ``state`` turns
  ``failed`` and ``on_state`` is told at once, so the proxy can stop forwarding traffic
  it cannot record. Writing is retried; the first success makes the state ``ok`` again.
"""

from __future__ import annotations

import collections
import logging
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from sqlalchemy.engine import Engine

from analyzer.models.events import Event
from analyzer.models.flow import FlowRecord
from analyzer.store.bulk_flows import BulkFlows
from analyzer.store.faults import Fault, classify, one_line
from analyzer.store.fit import fit_flow_minimal
from analyzer.store.spool import Spool, SpoolFull

log = logging.getLogger(__name__)

_FLOW, _EVENT, _SNAPSHOT = "flow", "event", "snapshot"
_CLOSE = object()
OK, AWAY, FAILED = "ok", "away", "failed"
_ids = random.Random()  # seeded once from the OS; ids need to be unique, not secret


def _flow_id() -> uuid.UUID:
    """A random (version 4) UUID without a getrandom() system call per flow."""
    return uuid.UUID(int=_ids.getrandbits(128), version=4)
_MAX_BACKOFF = 5.0


@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class _StoreDown(Exception):
    def __init__(self, fault: Fault, message: str) -> None:
        super().__init__(message)
        self.fault = fault


class BatchWriter:
    def __init__(
        self,
        store,
        session_id: uuid.UUID,
        *,
        interval: float = 0.5,
        batch_size: int = 500,
        spool: Spool | None = None,
        on_state: Callable[[str, str], None] | None = None,
        to_record: Callable[[Any], FlowRecord] | None = None,
    ) -> None:
        self.store = store
        # a real store takes flows at driver level; a stand-in (tests) through its add_flows
        self._bulk = BulkFlows(store) if isinstance(getattr(store, "engine", None), Engine) else None
        self._add_flows = self._bulk.add_flows if self._bulk is not None else store.add_flows
        self.to_record = to_record
        self.session_id = session_id
        self.interval = interval
        self.batch_size = batch_size
        self.spool = spool
        self.on_state = on_state
        self.written_flows = 0
        self.written_events = 0
        self.partial_flows = 0  # stored in part after the store refused them whole
        self.spooled_batches = 0
        self.errors: list[str] = []
        self.state = OK
        self.state_detail = ""
        # deque.append/popleft are atomic: producers need no lock.
        self._pending: collections.deque[Any] = collections.deque()
        self._current: tuple[list[FlowRecord], list[tuple[Event, Any, str]]] | None = None
        self._wake = threading.Event()
        self._closed = False
        self._backoff = 0.0
        self._thread = threading.Thread(target=self._run, name="consentry-writer", daemon=True)
        self._thread.start()

    # producers -------------------------------------------------------------------------
    def put_flow(self, flow: FlowRecord) -> None:
        self._pending.append((_FLOW, flow))
        if len(self._pending) >= self.batch_size and not self._wake.is_set():
            self._wake.set()

    def put_snapshot(self, snapshot: Any) -> None:
        """A flow as the proxy saw it; ``to_record`` makes it a FlowRecord on the writer thread."""
        self._pending.append((_SNAPSHOT, snapshot))
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

    def close(self, timeout: float | None = 60.0) -> bool:
        """Flush and stop; True when everything was written (or spooled) within ``timeout``.

        When the store is too slow, what is still waiting goes to the spool (if any) so
        the process can exit without losing it; it is written on the next start.
        """
        if self._closed:
            return not self._thread.is_alive()
        self._closed = True
        self._pending.append(_CLOSE)
        self._wake.set()
        self._thread.join(timeout)
        if not self._thread.is_alive():
            return True
        self._spool_leftovers()
        return False

    @property
    def backlog(self) -> int:
        return sum(1 for item in list(self._pending) if isinstance(item, tuple))

    # the writer thread -------------------------------------------------------------------
    def _run(self) -> None:
        self._guarded(self._replay_spool)
        while True:
            self._wake.wait(self._backoff or self.interval)
            self._wake.clear()
            if self.spool is not None and self.state != OK:
                self._guarded(self._replay_spool)
            if self._guarded(self._drain):
                self._guarded(self._replay_spool)
                if self._bulk is not None:
                    self._guarded(self._bulk.close)
                return

    def _guarded(self, step: Callable[[], Any]) -> Any:
        """The writer thread never dies: an unexpected error is reported and writing goes on."""
        try:
            return step()
        except Exception as exc:  # noqa: BLE001
            self._record_error(f"writer error: {type(exc).__name__}: {exc}")
            log.exception("consentry: writer error")
            return False

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
                if item[0] == _EVENT:
                    events.append(item[1])
                elif (flow := self._as_record(item)) is not None:
                    flows.append(flow)
                if len(flows) + len(events) >= self.batch_size:
                    self._write_or_keep(flows, events)
                    flows, events = [], []
            elif item is _CLOSE:
                closing = True
            else:
                flushed.append(item)
        self._write_or_keep(flows, events)
        for marker in flushed:
            marker.done.set()
        return closing

    def _as_record(self, item: tuple[str, Any]) -> FlowRecord | None:
        if item[0] == _FLOW:
            return item[1]
        try:
            return self.to_record(item[1])
        except Exception as exc:  # noqa: BLE001 - one flow mitmproxy let through oddly must not stop the rest
            self._record_error(f"could not convert a flow: {type(exc).__name__}: {one_line(exc)}")
            return None

    def _write_or_keep(self, flows: list[FlowRecord], events: list[tuple[Event, Any, str]]) -> None:
        if not flows and not events:
            return
        for flow in flows:  # an id before the first attempt: a replayed batch is de-duplicated by it
            if not flow.id:
                flow.id = str(_flow_id())
        self._current = (flows, events)
        try:
            if self.state != OK and self.spool is not None and len(self.spool):
                # keep the order: older spooled batches go first
                raise _StoreDown(Fault.AWAY if self.state == AWAY else Fault.REFUSED, self.state_detail)
            self._write(flows, events)
            self._set_state(OK, "")
        except _StoreDown as down:
            self._keep(flows, events, down)
        finally:
            self._current = None

    def _keep(self, flows: list[FlowRecord], events: list[tuple[Event, Any, str]], down: _StoreDown) -> None:
        state = AWAY if down.fault is Fault.AWAY else FAILED
        if self.spool is None:
            self._record_error(f"store {down.fault.value}: lost {len(flows)} flows and {len(events)} events: {down}")
            self._set_state(FAILED, str(down))
            return
        try:
            self.spool.put(flows, events)
            self.spooled_batches += 1
            self._set_state(state, str(down))
        except SpoolFull as full:
            self._record_error(f"store {down.fault.value} and {full}: lost {len(flows)} flows and {len(events)} events")
            self._set_state(FAILED, f"{down}; {full}")

    def _write(self, flows: Sequence[FlowRecord], events: Sequence[tuple[Event, Any, str]]) -> None:
        """Write one batch; raises _StoreDown when the store (not a record) is the problem."""
        if flows:
            self._write_flows(list(flows))
        by_origin: dict[str, list[tuple[Event, Any]]] = {}
        for ev, received, origin in events:
            by_origin.setdefault(origin, []).append((ev, received))
        for origin, items in by_origin.items():
            self._write_events(origin, items)

    def _write_flows(self, flows: list[FlowRecord]) -> None:
        try:
            self._add_flows(self.session_id, flows)
            self.written_flows += len(flows)
            return
        except Exception as exc:  # noqa: BLE001 - decided by classify()
            fault = classify(exc)
            if fault in (Fault.AWAY, Fault.REFUSED):
                raise _StoreDown(fault, one_line(exc)) from None
            if len(flows) == 1:
                self._write_partial(flows[0], exc)
                return
        for flow in flows:  # one record did not fit: the others must not go down with it
            self._write_flows([flow])

    def _write_partial(self, flow: FlowRecord, exc: BaseException) -> None:
        reason = one_line(exc)
        record = flow.record() if hasattr(flow, "record") else flow  # a live-proxy flow (analyzer/capture/rows.py)
        try:
            self._add_flows(self.session_id, [fit_flow_minimal(record, reason)])
        except Exception as again:  # noqa: BLE001
            fault = classify(again)
            if fault in (Fault.AWAY, Fault.REFUSED):
                raise _StoreDown(fault, one_line(again)) from None
            self._record_error(f"could not store flow {flow.url[:200]!r}: {reason}")
            return
        self.written_flows += 1
        self.partial_flows += 1
        self._record_error(f"flow {flow.url[:200]!r} stored in part: {reason}")

    def _write_events(self, origin: str, items: list[tuple[Event, Any]]) -> None:
        try:
            self.store.add_events(self.session_id, [e for e, _ in items], origin=origin, received_at=[r for _, r in items])
            self.written_events += len(items)
            return
        except Exception as exc:  # noqa: BLE001
            fault = classify(exc)
            if fault in (Fault.AWAY, Fault.REFUSED):
                raise _StoreDown(fault, one_line(exc)) from None
            if len(items) == 1:
                self._record_error(f"could not store a {items[0][0].type} event: {one_line(exc)}")
                return
        for item in items:
            self._write_events(origin, [item])

    # the spool ------------------------------------------------------------------------------
    def _replay_spool(self) -> None:
        if self.spool is None:
            return
        for batch in self.spool.batches():
            try:
                self._write(self._not_yet_stored(batch.flows), batch.events)
            except _StoreDown as down:
                self._set_state(AWAY if down.fault is Fault.AWAY else FAILED, str(down))
                self._backoff = min(_MAX_BACKOFF, max(self.interval, self._backoff * 2 or 0.25))
                return
            except Exception as exc:  # noqa: BLE001 - the writer thread must not die
                self._record_error(f"could not check the spool: {one_line(exc)}")
                self._backoff = min(_MAX_BACKOFF, max(self.interval, self._backoff * 2 or 0.25))
                return
            self.spool.done(batch)
        self._backoff = 0.0
        if self.state != OK:
            self._set_state(OK, "")

    def _not_yet_stored(self, flows: list[FlowRecord]) -> list[FlowRecord]:
        """Spooled flows minus those a commit that raced the spooling already stored."""
        from analyzer.store.recovery import stored_flow_ids

        ids = [f.id for f in flows if f.id]
        try:
            stored = stored_flow_ids(self.store, ids)
        except Exception as exc:  # noqa: BLE001
            fault = classify(exc)
            raise _StoreDown(fault if fault is not Fault.DATA else Fault.AWAY, one_line(exc)) from None
        return [f for f in flows if not f.id or f.id not in stored]

    def _spool_leftovers(self) -> None:
        """Called on a slow close: what the writer has not stored goes to disk (if it can)."""
        if self.spool is None:
            self._record_error(f"store too slow at shutdown: {self.backlog} records not written")
            return
        flows: list[FlowRecord] = []
        events: list[tuple[Event, Any, str]] = []
        current = self._current
        if current is not None:  # the batch in the writer's hands; its flows are de-duplicated on replay
            flows += current[0]
            events += current[1]
        while self._pending:
            item = self._pending.popleft()
            if isinstance(item, tuple):
                if item[0] == _EVENT:
                    events.append(item[1])
                elif (flow := self._as_record(item)) is not None:
                    flows.append(flow)
        if not flows and not events:
            return
        try:
            self.spool.put(flows, events)
            self._record_error(
                f"store too slow at shutdown: {len(flows)} flows and {len(events)} events kept in {self.spool.directory}"
                " (stored on the next start)"
            )
        except SpoolFull as full:
            self._record_error(f"store too slow at shutdown and {full}: {len(flows)} flows lost")

    # state ------------------------------------------------------------------------------------
    def _set_state(self, state: str, detail: str) -> None:
        if state == self.state and (state == OK or detail == self.state_detail):
            return
        self.state, self.state_detail = state, detail
        if state == AWAY:
            log.error("consentry: the store is away (%s): holding flows in the spool %s", detail,
                      self.spool.directory if self.spool else "-")
        elif state == FAILED:
            log.error("consentry: the store does not accept writes: %s", detail)
        else:
            log.warning("consentry: the store accepts writes again")
        if self.on_state is not None:
            try:
                self.on_state(state, detail)
            except Exception:  # noqa: BLE001 - a listener must not stop the writer
                log.exception("consentry: state listener failed")

    def _record_error(self, message: str) -> None:
        first = message.splitlines()[0][:300]
        self.errors.append(first)
        log.error("%s", first)
