"""Flows in flight, for the session runner's "the app is quiet" decision (docs/runner.md).

    mitmdump -s addons/flow_activity.py --set consentry_activity_file=PATH

Counts HTTP exchanges between their request headers and their response or error, and
after every change overwrites PATH with one short record (analyzer/runner/quiet.py): the
number in flight and the CLOCK_MONOTONIC time of the change, a clock every process on the
machine shares. WebSocket messages after the handshake are not exchanges in flight.
"""

from __future__ import annotations

import os
import time

from mitmproxy import ctx, http

from analyzer.runner.quiet import activity_record

COUNTED = "consentry_in_flight"


class FlowActivity:
    def __init__(self) -> None:
        self.in_flight = 0
        self._fd: int | None = None

    def load(self, loader) -> None:
        loader.add_option("consentry_activity_file", str, "", "Where to write the flows-in-flight record.")

    def running(self) -> None:
        path = ctx.options.consentry_activity_file
        if path and self._fd is None:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.pwrite(self._fd, activity_record(0, 0), 0)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if not flow.metadata.get(COUNTED):
            flow.metadata[COUNTED] = True
            self.in_flight += 1
            self._write()

    def response(self, flow: http.HTTPFlow) -> None:
        self._finished(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        self._finished(flow)

    def _finished(self, flow: http.HTTPFlow) -> None:
        if flow.metadata.pop(COUNTED, False):
            self.in_flight -= 1
            self._write()

    def _write(self) -> None:
        if self._fd is not None:
            os.pwrite(self._fd, activity_record(self.in_flight, time.monotonic_ns()), 0)

    def done(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


addons = [FlowActivity()]
