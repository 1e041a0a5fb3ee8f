"""Starting the proxy alongside the app: a loopback port picked up front, the proxy CA the
device must trust known before mitmdump runs, and the start itself on a thread of its own."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any, Callable


def proxy_ca_if_made(confdir: str | None) -> Path | None:
    """The CA certificate mitmproxy keeps in ``confdir``, if it was made already."""
    from analyzer.capture.proxy import CA_CERT_NAME, default_confdir

    path = (Path(confdir).expanduser() if confdir else default_confdir()) / CA_CERT_NAME
    return path if path.is_file() else None


def free_loopback_port() -> int:
    """A port free on 127.0.0.1 now (the kernel's pick; mitmdump binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Background:
    """One call run on its own thread; ``result()`` waits for it and returns or raises what it did."""

    def __init__(self, call: Callable[[], Any], *, name: str) -> None:
        self._call = call
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller of result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
