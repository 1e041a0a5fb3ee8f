"""consentry capture addon: records every HTTP(S)/WebSocket flow into the session store.

    mitmdump -s addons/capture.py --set consentry_db=URL --set consentry_session=NAME

Each finished exchange (response, error, or WebSocket close) is handed, as a raw snapshot
of its fields, to a batching writer thread that makes the store row from it
(analyzer/capture/rows.py) and writes it, so the proxy's event loop neither converts flows
nor waits on the database.
Exchanges still in flight when the proxy stops are recorded as incomplete at shutdown.
A hard kill loses at most the last ``consentry_batch_interval`` seconds of flows.

Store faults are loud (docs/capture.md, "When the store fails"): while the store is away
flows wait in an on-disk spool; when it takes no writes at all (disk full, read-only, the
spool full), the proxy answers 502 instead of forwarding traffic it cannot record, unless
``consentry_on_store_error=forward``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Optional

from mitmproxy import ctx, exceptions, http

from analyzer.capture import parse_app_spec
from analyzer.capture.convert import record_from_snapshot, snapshot
from analyzer.capture.rows import CapturedFlow
from analyzer.store import StoreError, open_store, validate_session_name
from analyzer.store.liveness import merge_session_meta, recorder_identity
from analyzer.store.spool import DEFAULT_MAX_BYTES as DEFAULT_SPOOL_BYTES
from analyzer.store.spool import Spool
from analyzer.store.types import utcnow
from analyzer.store.writer import FAILED, OK, BatchWriter

log = logging.getLogger("consentry.capture")

DEFAULT_MAX_BODY = 32 * 1024 * 1024
RECORDED = "consentry_recorded"
STOPPED_IN_FLIGHT = "proxy stopped before the exchange completed"
ON_STORE_ERROR = ("block", "forward")
BLOCKED_BODY = b"consentry: the session store does not accept writes; traffic is not forwarded unrecorded\n"


def batch_interval(value: str) -> float:
    return _seconds("consentry_batch_interval", value, 60)


def _seconds(name: str, value: str, most: float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds <= most:
        raise exceptions.OptionsError(f"{name} must be seconds > 0 and <= {most:g}, got {value!r}")
    return seconds


def default_spool_dir(store_url: str, session: str) -> Path:
    from platformdirs import user_data_dir

    key = hashlib.sha256(f"{store_url}\0{session}".encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return Path(user_data_dir("consentry")) / "spool" / key


class ConsentryCapture:
    def __init__(self) -> None:
        self.store = None
        self.session_name: str | None = None
        self.writer: BatchWriter | None = None
        self.in_flight: dict[str, http.HTTPFlow] = {}
        self.recorded = 0
        self.max_body: int | None = DEFAULT_MAX_BODY  # read per flow: kept here, not looked up in ctx.options
        self.block_on_store_error = True
        self.blocked = 0  # exchanges answered 502 because the store took no writes
        self._parent_watch: threading.Thread | None = None

    # -- options ------------------------------------------------------------------------
    def load(self, loader) -> None:
        loader.add_option("consentry_db", Optional[str], None,
                          "Store URL (sqlite:///PATH or postgresql+psycopg://...); default: CONSENTRY_DB or the user data dir.")
        loader.add_option("consentry_session", Optional[str], None, "Session to record into (created if missing).")
        # str, not float: mitmproxy's --set parses only str/int/bool/sequence options.
        loader.add_option("consentry_batch_interval", str, "0.5",
                          "Seconds between store writes; a hard kill loses at most this much.")
        loader.add_option("consentry_max_body", int, DEFAULT_MAX_BODY,
                          "Bytes of each body kept (longer bodies are cut and flagged); 0: no limit.")
        loader.add_option("consentry_owns_status", bool, True,
                          "Mark the session finished on shutdown (off when a session runner owns the status).")
        loader.add_option("consentry_app", Optional[str], None, "App under test, PACKAGE or PACKAGE@VERSION.")
        loader.add_option("consentry_ready_file", Optional[str], None,
                          "Write the listening addresses as JSON to this file once the proxy accepts connections.")
        loader.add_option("consentry_on_store_error", str, "block",
                          "When the store takes no writes: block (answer 502, forward nothing unrecorded) or forward.")
        loader.add_option("consentry_spool_dir", Optional[str], None,
                          "Directory holding flows while the store is away (default: in the user data dir).")
        loader.add_option("consentry_spool_max", int, DEFAULT_SPOOL_BYTES,
                          "Bytes the spool may hold; past it the store counts as failed.")
        loader.add_option("consentry_flush_timeout", str, "300",
                          "Seconds shutdown waits for the store; what is left then goes to the spool.")
        loader.add_option("consentry_state_file", Optional[str], None,
                          "Write the writer's state (ok, away, failed) as JSON to this file when it changes.")
        loader.add_option("consentry_parent_pid", int, 0,
                          "Shut down when this process (the one that started the proxy) ends; 0: not watched.")

    def configure(self, updated: set[str]) -> None:
        if not any(name.startswith("consentry_") for name in updated):
            return
        opts = ctx.options
        interval = batch_interval(opts.consentry_batch_interval)
        if opts.consentry_max_body < 0:
            raise exceptions.OptionsError("consentry_max_body must be >= 0 (0: no limit)")
        if not opts.consentry_session:
            raise exceptions.OptionsError("consentry_session is required: --set consentry_session=NAME")
        if opts.consentry_on_store_error not in ON_STORE_ERROR:
            raise exceptions.OptionsError(
                f"consentry_on_store_error must be block or forward, got {opts.consentry_on_store_error!r}")
        if opts.consentry_spool_max < 0:
            raise exceptions.OptionsError("consentry_spool_max must be >= 0")
        _seconds("consentry_flush_timeout", opts.consentry_flush_timeout, 24 * 3600)
        self.block_on_store_error = opts.consentry_on_store_error == "block"
        app = None
        if opts.consentry_app:
            try:
                app = parse_app_spec(opts.consentry_app)
            except ValueError as exc:
                raise exceptions.OptionsError(str(exc)) from None
        if {"consentry_db", "consentry_session", "consentry_app"} & updated or self.writer is None:
            self._open(opts.consentry_db, opts.consentry_session, app)
        self.max_body = opts.consentry_max_body or None
        if self.store is not None and opts.consentry_max_body:
            self.store.max_body_bytes = opts.consentry_max_body
        if self.writer is not None:
            self.writer.interval = interval
        if opts.consentry_parent_pid and self._parent_watch is None:
            self._parent_watch = threading.Thread(target=self._watch_parent, args=(opts.consentry_parent_pid,),
                                                  name="consentry-parent-watch", daemon=True)
            self._parent_watch.start()

    def _open(self, db: str | None, session: str, app: tuple[str, str] | None) -> None:
        try:
            validate_session_name(session)
            store = open_store(db)
            row = store.ensure_session(session, app=app, status="recording")
            if app is not None and row.app_id is None:
                store.set_session_app(session, app[0], app[1])
        except StoreError as exc:
            raise exceptions.OptionsError(f"consentry: {exc}") from None
        self._close_writer()
        self.store, self.session_name = store, session
        opts = ctx.options
        spool_dir = Path(opts.consentry_spool_dir) if opts.consentry_spool_dir else default_spool_dir(store.url, session)
        recorded = {"on_store_error": opts.consentry_on_store_error, "spool": str(spool_dir)}
        if opts.consentry_owns_status:  # else the session runner records itself and owns the status
            recorded["recorder"] = recorder_identity()
        try:
            merge_session_meta(store, row.id, recorded)
        except Exception as exc:  # noqa: BLE001 - the store answered a moment ago; say it, go on
            log.error("consentry: could not record the recorder in the session: %s", exc)
        self.writer = BatchWriter(store, row.id, interval=batch_interval(opts.consentry_batch_interval),
                                  spool=Spool(spool_dir, max_bytes=opts.consentry_spool_max),
                                  on_state=self._store_state_changed, to_record=self._to_record)
        log.info("consentry: recording into session %r", session)

    def _to_record(self, snap) -> CapturedFlow:  # on the writer thread: its row is made straight from the snapshot
        return CapturedFlow(snap, self.max_body)

    def _store_state_changed(self, state: str, detail: str) -> None:
        if state == FAILED:
            action = "answering 502, nothing is forwarded unrecorded" if self.block_on_store_error \
                else "still forwarding (consentry_on_store_error=forward): flows are NOT recorded"
            log.error("consentry: STORE FAILED (%s): %s", detail, action)
        state_file = ctx.options.consentry_state_file
        if state_file:
            tmp = Path(state_file).with_suffix(".tmp")
            tmp.write_text(json.dumps({"state": state, "detail": detail, "time": time.time(),
                                       "blocking": state == FAILED and self.block_on_store_error}))
            tmp.replace(state_file)

    def _watch_parent(self, parent_pid: int) -> None:
        """Shut down (flushing as on SIGTERM) when the process that started us is gone."""
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        log.error("consentry: the parent process %d ended; stopping the proxy", parent_pid)
        master = ctx.master
        master.event_loop.call_soon_threadsafe(master.shutdown)

    @property
    def _blocking(self) -> bool:
        writer = self.writer
        return self.block_on_store_error and writer is not None and writer.state == FAILED

    def running(self) -> None:
        # Start-up (mitmproxy, and our SQLAlchemy, Alembic and store modules: they double the
        # objects the process holds) is over: keep those objects out of the garbage collector's
        # full passes, which would otherwise walk all of them again and again while flows pass.
        gc.collect()
        gc.freeze()
        ready_file = ctx.options.consentry_ready_file
        if not ready_file:
            return
        addrs = []
        server = ctx.master.addons.get("proxyserver")
        if server is not None and hasattr(server, "listen_addrs"):
            addrs = [list(a[:2]) for a in server.listen_addrs()]
        tmp = Path(ready_file).with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "listen": addrs, "session": self.session_name}))
        tmp.replace(ready_file)  # atomic: the reader never sees half a file

    # -- flows ----------------------------------------------------------------------------
    def request(self, flow: http.HTTPFlow) -> None:
        if self._blocking:
            self._refuse(flow)
            flow.metadata[RECORDED] = True  # never sent anywhere: nothing to record
            return
        self.in_flight[flow.id] = flow

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:  # a WebSocket handshake is recorded when the socket closes
            self._record(flow)
        if self._blocking:
            self._refuse(flow)  # the client does not get what could not be recorded

    def _refuse(self, flow: http.HTTPFlow) -> None:
        self.blocked += 1
        flow.response = http.Response.make(502, BLOCKED_BODY, {"content-type": "text/plain"})

    def error(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._record(flow)

    def _record(self, flow: http.HTTPFlow) -> None:
        self.in_flight.pop(flow.id, None)
        if self.writer is None or flow.metadata.get(RECORDED) or flow.request is None:
            return
        flow.metadata[RECORDED] = True
        try:
            snap = snapshot(flow)
        except Exception as exc:  # noqa: BLE001 - one odd flow must not stop the capture
            log.error("consentry: could not record flow %s: %s", flow.id, exc)
            return
        self.writer.put_snapshot(snap)
        self.recorded += 1

    # -- shutdown -------------------------------------------------------------------------
    def done(self) -> None:
        for flow in list(self.in_flight.values()):
            self._record_incomplete(flow)
        self.in_flight.clear()
        errors = self._close_writer()
        if self.blocked:
            errors.append(f"{self.blocked} exchanges answered 502: the store took no writes")
        if self.store is not None and self.session_name and ctx.options.consentry_owns_status:
            status = "proxy_error" if errors else "finished"
            detail = "; ".join(errors[:3]) if errors else None
            try:
                self.store.update_session(self.session_name, status=status, ended_at=utcnow(), status_detail=detail)
            except StoreError as exc:
                log.error("consentry: could not mark the session finished: %s", exc)

    def _record_incomplete(self, flow: http.HTTPFlow) -> None:
        if self.writer is None or flow.metadata.get(RECORDED):
            return
        record = record_from_snapshot(snapshot(flow), max_body=self.max_body)
        if record.error is None and record.status_code is None:
            record.error = STOPPED_IN_FLIGHT
        flow.metadata[RECORDED] = True
        self.writer.put_flow(record)
        self.recorded += 1

    def _close_writer(self) -> list[str]:
        if self.writer is None:
            return []
        writer, self.writer = self.writer, None
        writer.close(timeout=_seconds("consentry_flush_timeout", ctx.options.consentry_flush_timeout, 24 * 3600))
        if writer.state != OK:
            writer.errors.append(f"store {writer.state} at shutdown: {writer.state_detail}")
        if writer.errors:
            log.error("consentry: %d store write errors, first: %s", len(writer.errors), writer.errors[0])
        log.info("consentry: %d flows stored in session %r", writer.written_flows, self.session_name)
        return list(writer.errors)


addons = [ConsentryCapture()]
