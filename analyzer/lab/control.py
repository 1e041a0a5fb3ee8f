"""The host end of the lab device-control channel (the lab's adb; docs/labdevice.md).

One loopback TCP connection to the app's JVM; a command is one line, the answer
``OK <length>\\n<bytes>`` or ``ERR <reason>\\n``.
"""

from __future__ import annotations

import socket
import threading

MAX_ANSWER_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT_S = 15.0


class ControlError(RuntimeError):
    """The device refused a command or the channel broke (message: one line)."""


class ControlClient:
    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.address = (host, int(port))
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        self._lock = threading.Lock()

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection(self.address, timeout=self.timeout)
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                raise ControlError(f"cannot reach the lab device control port {self.address[1]}: {exc}") from None
        return self._sock

    def command(self, line: str) -> bytes:
        if "\n" in line or "\r" in line:
            raise ControlError("a command is one line")
        with self._lock:
            sock = self._connect()
            try:
                sock.sendall(line.encode("utf-8") + b"\n")
                header = self._read_line(sock)
                if header.startswith("ERR "):
                    raise ControlError(header[4:])
                if not header.startswith("OK "):
                    raise ControlError(f"unexpected answer {header[:80]!r}")
                length = int(header[3:])
                if not 0 <= length <= MAX_ANSWER_BYTES:
                    raise ControlError(f"answer of {length} bytes refused")
                return self._read_exact(sock, length)
            except (OSError, ValueError) as exc:
                self.close_locked()
                raise ControlError(f"lab device control channel failed: {exc}") from None

    def text(self, line: str) -> str:
        return self.command(line).decode("utf-8")

    def _read_line(self, sock: socket.socket) -> str:
        while b"\n" not in self._buffer:
            if len(self._buffer) > 4096:
                raise ControlError("answer header too long")
            chunk = sock.recv(65536)
            if not chunk:
                raise ControlError("the lab app closed the control channel (did it exit?)")
            self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return line.decode("utf-8", "replace")

    def _read_exact(self, sock: socket.socket, n: int) -> bytes:
        while len(self._buffer) < n:
            chunk = sock.recv(max(65536, n - len(self._buffer)))
            if not chunk:
                raise ControlError("the lab app closed the control channel mid-answer")
            self._buffer += chunk
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def close_locked(self) -> None:
        self._buffer = bytearray()
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()
