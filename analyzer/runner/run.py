"""Library entry point of ``consentry run``: one session, with signal handling."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

from analyzer.devices import DeviceError, open_backend
from analyzer.runner.progress import Progress
from analyzer.runner.session import RunConfig, RunError, RunResult, SessionRunner


@contextlib.contextmanager
def stop_on_signals(runner: SessionRunner) -> Iterator[None]:
    """SIGINT/SIGTERM ask the runner to stop cleanly instead of killing the process.

    The clean stop flushes and restores the device, so the handlers stay in place
    until the run has returned; only the main thread may install them.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
    previous = {}

    def handler(signum, _frame) -> None:
        runner.request_stop(names.get(signum, str(signum)))

    for sig in names:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_session(store, config: RunConfig, *, progress: Progress | None = None, backend: Any = None,
                backend_options: dict[str, Any] | None = None) -> RunResult:
    """Open the device backend, run one session, return its result (RunError on a failed start)."""
    if backend is None:
        options = dict(backend_options or {})
        if config.device == "lab" and config.replay_server:
            options.setdefault("replay", True)
        if config.device.startswith("usb") and config.inject_ca:
            options.setdefault("inject_ca", True)
        try:
            backend = open_backend(config.device, **options)
        except DeviceError as exc:
            raise RunError(str(exc)) from None
    runner = SessionRunner(store, config, backend, progress=progress)
    with stop_on_signals(runner):
        return runner.run()
