"""consentry capture addon: records every HTTP(S)/WebSocket flow into the session store.

    mitmdump -s addons/capture.py --set consentry_db=URL --set consentry_session=NAME

Each finished exchange (response, error, or WebSocket close) becomes a FlowRecord handed
to a batching writer thread, so the proxy's event loop never waits on the database.
Exchanges still in flight when the proxy stops are recorded as incomplete at shutdown.
A hard kill loses at most the last ``consentry_batch_interval`` seconds of flows.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Optional

from mitmproxy import ctx, exceptions, http

from analyzer.capture import parse_app_spec
from analyzer.capture.convert import flow_to_record
from analyzer.store import StoreError, open_store, validate_session_name
from analyzer.store.types import utcnow
from analyzer.store.writer import BatchWriter

log = logging.getLogger("consentry.capture")

DEFAULT_MAX_BODY = 32 * 1024 * 1024
RECORDED = "consentry_recorded"
STOPPED_IN_FLIGHT = "proxy stopped before the exchange completed"


def batch_interval(value: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 < seconds <= 60:
        raise exceptions.OptionsError(f"consentry_batch_interval must be seconds > 0 and <= 60, got {value!r}")
    return seconds


class ConsentryCapture:
    def __init__(self) -> None:
        self.store = None
        self.session_name: str | None = None
        self.writer: BatchWriter | None = None
        self.in_flight: dict[str, http.HTTPFlow] = {}
        self.recorded = 0
        self.max_body: int | None = DEFAULT_MAX_BODY  # read per flow: kept here, not looked up in ctx.options

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

    def configure(self, updated: set[str]) -> None:
        if not any(name.startswith("consentry_") for name in updated):
            return
        opts = ctx.options
        interval = batch_interval(opts.consentry_batch_interval)
        if opts.consentry_max_body < 0:
            raise exceptions.OptionsError("consentry_max_body must be >= 0 (0: no limit)")
        if not opts.consentry_session:
            raise exceptions.OptionsError("consentry_session is required: --set consentry_session=NAME")
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
        self.writer = BatchWriter(store, row.id, interval=batch_interval(ctx.options.consentry_batch_interval))
        log.info("consentry: recording into session %r", session)

    def running(self) -> None:
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
        self.in_flight[flow.id] = flow

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:  # a WebSocket handshake is recorded when the socket closes
            self._record(flow)

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
            record = flow_to_record(flow, max_body=self.max_body)
        except Exception as exc:  # noqa: BLE001 - one odd flow must not stop the capture
            log.error("consentry: could not convert flow %s: %s", flow.id, exc)
            return
        self.writer.put_flow(record)
        self.recorded += 1

    # -- shutdown -------------------------------------------------------------------------
    def done(self) -> None:
        for flow in list(self.in_flight.values()):
            self._record_incomplete(flow)
        self.in_flight.clear()
        errors = self._close_writer()
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
        record = flow_to_record(flow, max_body=self.max_body)
        if record.error is None and record.status_code is None:
            record.error = STOPPED_IN_FLIGHT
        flow.metadata[RECORDED] = True
        self.writer.put_flow(record)
        self.recorded += 1

    def _close_writer(self) -> list[str]:
        if self.writer is None:
            return []
        writer, self.writer = self.writer, None
        writer.close(timeout=120)
        if writer.errors:
            log.error("consentry: %d store write errors, first: %s", len(writer.errors), writer.errors[0])
        log.info("consentry: %d flows stored in session %r", writer.written_flows, self.session_name)
        return list(writer.errors)


addons = [ConsentryCapture()]
