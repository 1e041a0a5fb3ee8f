"""The lab backend: every lab host name ends here, on 127.0.0.1.

One threaded server on one port answers both HTTPS (with the lab server certificate) and
cleartext HTTP: it peeks at the first byte of each connection and wraps TLS only when it
sees a TLS handshake, so cleartext-transmission scenarios need no second port. Every
request is answered with a small JSON and recorded (method, Host header, path, body).
"""

from __future__ import annotations

import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from analyzer.lab.ca import LabCerts, make_lab_certs

MAX_BODY_BYTES = 1024 * 1024
TLS_HANDSHAKE_RECORD = 0x16
SOCKET_TIMEOUT_S = 10
RESPONSE_BODY = b'{"code":0,"status":"ok"}'


@dataclass(frozen=True)
class BackendRequest:
    method: str
    host: str  # the Host header without port: the name the app asked for
    path: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())
    tls: bool = True
    ts: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    server: "_LabHTTPServer"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except ValueError as exc:
            self.send_error(413 if "large" in str(exc) else 400, str(exc))
            return
        host = _host_without_port(self.headers.get("Host") or "")
        self.server.record(BackendRequest(
            method=self.command, host=host.lower(), path=self.path, body=body,
            headers=tuple(self.headers.items()), tls=isinstance(self.connection, ssl.SSLSocket), ts=time.time(),
        ))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(RESPONSE_BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(RESPONSE_BODY)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise ValueError("bad Content-Length") from None
        if length < 0:
            raise ValueError("bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        out = bytearray()
        while True:
            try:
                size = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
            except ValueError:
                raise ValueError("bad chunk size") from None
            if size == 0:
                self.rfile.readline(64)
                return bytes(out)
            if len(out) + size > MAX_BODY_BYTES:
                raise ValueError("body too large")
            out += self.rfile.read(size)
            self.rfile.readline(64)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # recorded, not printed


def _host_without_port(host_header: str) -> str:
    if host_header.startswith("["):  # [::1]:443
        return host_header.split("]", 1)[0] + "]"
    return host_header.rsplit(":", 1)[0]


class _LabHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], tls: ssl.SSLContext):
        super().__init__(address, _Handler)
        self.tls = tls
        self.requests: list[BackendRequest] = []
        self.changed = threading.Condition()

    def record(self, request: BackendRequest) -> None:
        with self.changed:
            self.requests.append(request)
            self.changed.notify_all()

    def finish_request(self, request, client_address) -> None:
        request.settimeout(SOCKET_TIMEOUT_S)
        try:
            first = request.recv(1, socket.MSG_PEEK)
            if first and first[0] == TLS_HANDSHAKE_RECORD:
                request = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # a client that went away or failed the handshake: nothing to record
        super().finish_request(request, client_address)


class LabBackend:
    """``with LabBackend() as backend:`` serves on ``backend.address`` until the block ends."""

    def __init__(self, certs: LabCerts | None = None, *, hosts: Iterable[str] | None = None, host: str = "127.0.0.1", port: int = 0):
        self._tmp: tempfile.TemporaryDirectory | None = None
        if certs is None:
            from analyzer.lab.scenarios import lab_hosts

            self._tmp = tempfile.TemporaryDirectory(prefix="consentry-lab-")
            certs = make_lab_certs(Path(self._tmp.name), hosts if hosts is not None else lab_hosts())
        self.certs = certs
        self._bind = (host, port)
        self._server: _LabHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def ca_cert(self) -> Path:
        return self.certs.ca_cert

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("LabBackend is not running")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def spec(self) -> str:
        """"127.0.0.1:PORT", the value for mitmproxy's labnet_backend option."""
        host, port = self.address
        return f"{host}:{port}"

    def start(self) -> "LabBackend":
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.certs.server_cert, self.certs.server_key)
        self._server = _LabHTTPServer(self._bind, tls)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lab-backend", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "LabBackend":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def requests(self) -> list[BackendRequest]:
        if self._server is None:
            return []
        with self._server.changed:
            return list(self._server.requests)

    def hosts(self) -> set[str]:
        return {r.host for r in self.requests}

    def clear(self) -> None:
        if self._server is not None:
            with self._server.changed:
                self._server.requests.clear()

    def wait_for(self, predicate: Callable[[list[BackendRequest]], bool], timeout: float = 10.0) -> bool:
        """Wait until predicate(requests) holds; False on timeout."""
        if self._server is None:
            return False
        deadline = time.monotonic() + timeout
        with self._server.changed:
            while not predicate(list(self._server.requests)):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._server.changed.wait(left)
        return True
