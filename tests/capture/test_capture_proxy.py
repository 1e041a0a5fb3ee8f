"""End to end: real mitmdump processes, real clients, local upstream servers."""

from __future__ import annotations

import gzip
import os
import ssl
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import brotli
import httpx
import pytest

from analyzer.capture.proxy import ProxyError, addon_path, start_proxy
from analyzer.capture.upstream import ENCODED_PAYLOAD
from analyzer.store import open_store
from capture_clients import h2_request, websocket_exchange

pytestmark = pytest.mark.slow


def _flows(store_url: str, session: str):
    store = open_store(store_url)
    return list(store.iter_flows(store.get_session(session).id))


@pytest.fixture
def lab_proxy(tmp_path, upstream_ca):
    store_url = f"sqlite:///{tmp_path / 's.db'}"
    handle = start_proxy(
        store_url, "e2e", confdir=tmp_path / "mitm",
        extra_options={"ssl_verify_upstream_trusted_ca": str(upstream_ca.ca_cert), "connection_strategy": "lazy",
                       "consentry_batch_interval": 0.2},
    )
    yield store_url, handle
    handle.stop()


def test_http1_https_h2_websocket_and_encodings(lab_proxy, upstream):
    store_url, proxy = lab_proxy
    assert proxy.host == "127.0.0.1" and proxy.port > 0 and proxy.ca_cert_path.is_file()
    https = f"https://localhost:{upstream.https_port}"
    with httpx.Client(proxy=proxy.url, verify=ssl.create_default_context(cafile=str(proxy.ca_cert_path)), timeout=20) as client:
        assert client.post(f"{https}/echo?imei=1", content=b'{"imei":"861234567890123"}').content == b'{"imei":"861234567890123"}'
        assert client.get(f"{https}/gzip").content == ENCODED_PAYLOAD
        assert client.get(f"http://127.0.0.1:{upstream.http_port}/br").content == ENCODED_PAYLOAD
    alpn, status, _, body = h2_request(proxy.port, "localhost", upstream.https_port, str(proxy.ca_cert_path),
                                       "POST", "/echo", b"h2-body")
    assert (alpn, status, body) == ("h2", 200, b"h2-body")
    assert websocket_exchange(proxy.port, upstream.ws_port, ["hello", b"\x00\x01"]) == ["echo:hello", b"echo:\x00\x01"]
    assert proxy.stop() == 0
    flows = _flows(store_url, "e2e")
    assert len(flows) == 5
    by_path = {(f.http_version, f.path): f for f in flows}
    post = by_path[("HTTP/1.1", "/echo?imei=1")]
    assert post.method == "POST" and post.request_body == b'{"imei":"861234567890123"}'
    assert post.tls and post.tls_version and post.tls_version.startswith("TLS") and post.sni == "localhost"
    assert post.ts_start <= post.ts_request_end <= post.ts_response_start <= post.ts_end
    gz = by_path[("HTTP/1.1", "/gzip")]
    assert gz.header("content-encoding", response=True) == "gzip"
    assert gzip.decompress(gz.response_body) == ENCODED_PAYLOAD  # stored as sent: still compressed
    br = by_path[("HTTP/1.1", "/br")]
    assert not br.tls and brotli.decompress(br.response_body) == ENCODED_PAYLOAD
    h2 = by_path[("HTTP/2.0", "/echo")]
    assert h2.request_body == b"h2-body" and h2.header("x-probe") == "h2" and h2.meta.get("alpn") == "h2"
    ws = by_path[("HTTP/1.1", "/chat")]
    assert ws.status_code == 101
    assert [(m.from_client, m.is_text, m.content) for m in ws.websocket] == [
        (True, True, b"hello"), (False, True, b"echo:hello"), (True, False, b"\x00\x01"), (False, False, b"echo:\x00\x01"),
    ]
    assert open_store(store_url).get_session("e2e").status == "finished"


def test_upstream_failure_is_recorded_with_its_error(lab_proxy):
    store_url, proxy = lab_proxy
    with httpx.Client(proxy=proxy.url, timeout=20) as client:
        response = client.get("http://127.0.0.1:9/unreachable")  # discard port: nothing listens
    assert response.status_code == 502
    proxy.stop()
    (flow,) = _flows(store_url, "e2e")
    assert flow.error and flow.url == "http://127.0.0.1:9/unreachable"


@pytest.mark.postgres
def test_sigterm_flushes_pending_batches_into_postgres(tmp_path, upstream, pg_database_url):
    import uuid

    name = f"pg-{uuid.uuid4().hex[:8]}"
    # A long batch interval: the flows are still queued when SIGTERM arrives.
    handle = start_proxy(pg_database_url, name, confdir=tmp_path / "conf", extra_options={"consentry_batch_interval": 30})
    try:
        with httpx.Client(proxy=handle.url, timeout=20) as client:
            for i in range(40):
                body = f"n={i}".encode()
                assert client.post(f"http://127.0.0.1:{upstream.http_port}/echo", content=body).content == body
        assert open_store(pg_database_url).counts(open_store(pg_database_url).get_session(name).id)["flows"] == 0
    finally:
        assert handle.stop() == 0
    flows = _flows(pg_database_url, name)
    assert sorted(f.request_body for f in flows) == sorted(f"n={i}".encode() for i in range(40))


def test_standalone_mitmdump_with_the_addon(tmp_path, upstream):
    db = f"sqlite:///{tmp_path / 'standalone.db'}"
    ready = tmp_path / "ready.json"
    cmd = [str(Path(sys.executable).parent / "mitmdump"), "-q", "--listen-host", "127.0.0.1", "--listen-port", "0",
           "-s", str(addon_path()), "--set", f"confdir={tmp_path / 'conf'}", "--set", f"consentry_db={db}",
           "--set", "consentry_session=standalone", "--set", f"consentry_ready_file={ready}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        import json

        port = json.loads(ready.read_text())["listen"][0][1]
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
            for i in range(7):
                client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    flows = _flows(db, "standalone")
    assert sorted(f.path for f in flows) == sorted(f"/echo?i={i}" for i in range(7))


def test_standalone_mitmdump_without_a_session_fails_clearly(tmp_path):
    cmd = [str(Path(sys.executable).parent / "mitmdump"), "-q", "--listen-port", "0", "-s", str(addon_path()),
           "--set", f"confdir={tmp_path / 'conf'}", "--set", f"consentry_db=sqlite:///{tmp_path / 'x.db'}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode != 0
    assert "consentry_session is required" in proc.stdout + proc.stderr


def test_start_proxy_reports_a_busy_port(tmp_path, sqlite_url):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ProxyError, match="already in use"):
            start_proxy(sqlite_url, "busy", port=busy.getsockname()[1], confdir=tmp_path / "conf", startup_timeout=60)


def test_consentry_proxy_cli_sigterm_keeps_every_flow(tmp_path, upstream):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    env = dict(os.environ, CONSENTRY_DB=db, PYTHONUNBUFFERED="1")
    exe = Path(sys.executable).parent / "consentry"
    proc = subprocess.Popen([str(exe), "proxy", "--session", "cli-run", "--listen-port", "0", "--confdir",
                             str(tmp_path / "conf"), "--app", "com.example.app@1.0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        header = ""
        while "CA certificate:" not in header:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            header += line
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", header).group(1))
        assert str(tmp_path / "conf" / "mitmproxy-ca-cert.pem") in header
        n = 25
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
            for i in range(n):
                assert client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert "Stopped." in out and f"{n} flows" in out
    store = open_store(db)
    session = store.get_session("cli-run")
    assert store.counts(session.id)["flows"] == n
    assert session.status == "finished" and session.app.package == "com.example.app" and session.app.version == "1.0"
