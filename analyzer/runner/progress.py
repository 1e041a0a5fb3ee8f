"""Live progress of a device session on the terminal.

On a TTY a rich Live panel keeps counters and the latest lines; otherwise plain lines
(events and flows as they arrive, consent marks always), rate limited so a chatty app
cannot flood a CI log.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from analyzer.models.events import ApiCallEvent, ConsentEvent, Event, IdentifierEvent, UiEvent

LINES_PER_SECOND = 20


def describe_event(ev: Event) -> str:
    if isinstance(ev, ConsentEvent):
        return f"consent {ev.action} ({ev.source})"
    if isinstance(ev, ApiCallEvent):
        times = f" x{ev.count}" if ev.count > 1 else ""
        return f"api {ev.api}{times}" + (f" [{ev.kind}]" if ev.kind else "")
    if isinstance(ev, UiEvent):
        return f"ui {ev.action}" + (f" {ev.text!r}" if ev.text else "")
    if isinstance(ev, IdentifierEvent):
        return f"identifier {ev.kind} ({ev.source})"
    return f"{ev.type}"


class Progress:
    def __init__(self, console: Console | None = None, *, live: bool | None = None, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.quiet = quiet
        self.use_live = (self.console.is_terminal if live is None else live) and not quiet
        self.counts: collections.Counter[str] = collections.Counter()
        self.flows = 0
        self.flow_errors = 0
        self.recent: collections.deque[str] = collections.deque(maxlen=8)
        self.title = ""
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._window = (0.0, 0)
        self._suppressed = 0

    def start(self, title: str) -> None:
        self.title = title
        if self.use_live:
            self._live = Live(self._render(), console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        elif not self.quiet:
            self.console.print(escape(title), soft_wrap=True)

    def stop(self) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.stop()
            self._live = None
        elif self._suppressed and not self.quiet:
            self.console.print(f"  ... {self._suppressed} more lines not shown", soft_wrap=True)

    # -- inputs (any thread) ---------------------------------------------------------------
    def event(self, ev: Event) -> None:
        with self._lock:
            self.counts[ev.type] += 1
        self._line(describe_event(ev), always=isinstance(ev, ConsentEvent))

    def flow(self, method: str, url: str, status: Any, error: str | None) -> None:
        with self._lock:
            self.flows += 1
            self.flow_errors += bool(error)
        tail = f" !! {error}" if error else (f" -> {status}" if status is not None else "")
        self._line(f"flow {method} {url[:120]}{tail}")

    def note(self, message: str) -> None:
        self._line(message, always=True)

    # -- output ----------------------------------------------------------------------------
    def _line(self, text: str, *, always: bool = False) -> None:
        if self.quiet:
            return
        with self._lock:
            self.recent.append(text)
            if self._live is not None:
                self._live.update(self._render())
                return
            now = time.monotonic()
            start, shown = self._window
            if now - start >= 1.0:
                self._window = (now, 0)
                shown = 0
            if shown >= LINES_PER_SECOND and not always:
                self._suppressed += 1
                return
            self._window = (self._window[0], shown + 1)
        self.console.print("  " + escape(text), soft_wrap=True)

    def _render(self):
        counters = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "no events yet"
        head = Text(f"{self.title}\n", style="bold")
        head.append(f"flows {self.flows} (errors {self.flow_errors}) | events: {counters}\n")
        return Group(head, *(Text("  " + line) for line in list(self.recent)))
