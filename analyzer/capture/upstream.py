"""A loopback upstream for exercising the proxy: HTTP/1.1 (plain or TLS) and WebSocket.

Used by the capture self-tests and the overhead benchmark. TLS certificates come from
a throw-away CA made here, so the proxy can verify
the upstream for real (``ssl_verify_upstream_trusted_ca``). Binds 127.0.0.1 only.

Routes: ``/echo`` (request body back, or a JSON summary for bodiless requests),
``/gzip`` and ``/br`` (a content-encoded JSON body), ``/bytes/N`` (N bytes).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

ENCODED_PAYLOAD = json.dumps({"greeting": "hello", "device": "encoded-body-marker"}).encode()
MAX_REQUEST_BODY = 64 * 1024 * 1024


@dataclass
class TestCA:
    ca_cert: Path  # PEM the proxy should trust for the upstream
    server_cert: Path  # PEM certificate + key for 127.0.0.1 / localhost


def make_test_ca(directory: Path) -> TestCA:
    """A fresh CA and a server certificate for 127.0.0.1/localhost (two PEM files)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consentry upstream test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca_path, server_path = directory / "upstream-ca.pem", directory / "upstream-server.pem"
    ca_path.write_bytes(ca.public_bytes(pem))
    server_path.write_bytes(server.public_bytes(pem) + key_pem)
    return TestCA(ca_cert=ca_path, server_cert=server_path)


def _route(method: str, target: str, body: bytes, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    path = target.split("?", 1)[0]
    if path == "/echo":
        if body:
            return 200, [("content-type", headers.get("content-type", "application/octet-stream"))], body
        summary = {"method": method, "target": target, "headers": headers}
        return 200, [("content-type", "application/json")], json.dumps(summary).encode()
    if path == "/gzip":
        return 200, [("content-type", "application/json"), ("content-encoding", "gzip")], gzip.compress(ENCODED_PAYLOAD)
    if path == "/br":
        import brotli

        return 200, [("content-type", "application/json"), ("content-encoding", "br")], brotli.compress(ENCODED_PAYLOAD)
    if path.startswith("/status/"):  # any status line, even one no store column holds
        try:
            return int(path.rsplit("/", 1)[1]), [("content-type", "text/plain")], b"odd status"
        except ValueError:
            return 400, [], b"bad status"
    if path.startswith("/bytes/"):
        try:
            size = min(int(path.rsplit("/", 1)[1]), MAX_REQUEST_BODY)
        except ValueError:
            return 400, [], b"bad size"
        return 200, [("content-type", "application/octet-stream")], b"x" * size
    return 404, [("content-type", "text/plain")], b"not found"


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readline()
    length = int(headers.get("content-length", "0") or 0)
    if length > MAX_REQUEST_BODY:
        raise ValueError("request body too large")
    return await reader.readexactly(length) if length else b""


SERVED = [0]  # requests answered by the plain and TLS servers of this process


async def _serve_http1(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            method, target, _version = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = h.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await _read_body(reader, headers)
            SERVED[0] += 1
            status, resp_headers, resp_body = _route(method, target, body, headers)
            head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}", f"content-length: {len(resp_body)}"]
            head += [f"{k}: {v}" for k, v in resp_headers]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + resp_body)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError, ssl.SSLError):
        return
    finally:
        writer.close()


async def _serve_ws(ws) -> None:
    async for message in ws:
        await ws.send(f"echo:{message}" if isinstance(message, str) else b"echo:" + message)


class Upstream:
    """HTTP, HTTPS and WebSocket servers on 127.0.0.1, run on a background loop."""

    def __init__(self, tls: TestCA | None = None) -> None:
        self.tls = tls
        self.loop = asyncio.new_event_loop()
        self.http_port = self.https_port = self.ws_port = 0
        self._thread = threading.Thread(target=self.loop.run_forever, name="upstream", daemon=True)
        self._servers: list = []

    def start(self) -> "Upstream":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    async def _start(self) -> None:
        import websockets

        plain = await asyncio.start_server(_serve_http1, "127.0.0.1", 0)
        self.http_port = plain.sockets[0].getsockname()[1]
        self._servers.append(plain)
        if self.tls is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.tls.server_cert)
            ctx.set_alpn_protocols(["http/1.1"])
            secure = await asyncio.start_server(_serve_http1, "127.0.0.1", 0, ssl=ctx)
            self.https_port = secure.sockets[0].getsockname()[1]
            self._servers.append(secure)
        ws = await websockets.serve(_serve_ws, "127.0.0.1", 0)
        self.ws_port = list(ws.sockets)[0].getsockname()[1]
        self._servers.append(ws)

    def stop(self) -> None:
        async def _close() -> None:
            for server in self._servers:
                server.close()

        asyncio.run_coroutine_threadsafe(_close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def __enter__(self) -> "Upstream":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
