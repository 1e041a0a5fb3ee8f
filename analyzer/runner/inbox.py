"""One runner thread for everything Frida reports.

Frida calls ``on('message')`` and ``detached`` handlers on its own thread. Whatever
those handlers did there (store writes, the consent driver, progress output) would hold
up Frida's delivery of the next message, and run concurrently with the runner's own
code. The runner hands each callback to this inbox instead: the Frida thread only
enqueues, and one thread, the runner's, runs the callbacks in arrival order.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)

_STOP = object()


class CallbackInbox:
    """A queue of callbacks and the one thread that runs them, in order."""

    def __init__(self, name: str = "consentry-runner") -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self.errors: list[str] = []
        # started by the first call handed in: a runner that fails before it hooks anything leaves no thread
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def deliver(self, callback: Callable[..., None]) -> Callable[..., None]:
        """``callback`` as a handler another thread may call: it only enqueues the call."""

        def enqueue(*args: Any) -> None:
            with self._idle:
                self._pending += 1
                if self.thread.ident is None:
                    self.thread.start()
            self._queue.put((callback, args))

        enqueue.__name__ = f"inbox_{getattr(callback, '__name__', 'callback')}"
        return enqueue

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every callback enqueued so far has run; False on timeout."""
        if threading.current_thread() is self.thread:
            return True  # a callback waiting for itself would never return
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Run what is queued, then stop the thread."""
        if self.thread.ident is None:
            return  # never started
        self._queue.put(_STOP)
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            callback, args = item
            try:
                callback(*args)
            except Exception as exc:  # noqa: BLE001 - one bad callback must not stop the others
                reason = f"{getattr(callback, '__name__', 'callback')} raised {type(exc).__name__}: {exc}"
                log.warning("%s", reason)
                self.errors.append(reason)
            finally:
                with self._idle:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.notify_all()
