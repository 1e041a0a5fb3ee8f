"""Real clients for the proxy tests: CONNECT tunnels, HTTP/2 over them, WebSockets."""

from __future__ import annotations

import socket
import ssl


def connect_tunnel(proxy_port: int, host: str, port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy_port), timeout=10)
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("proxy closed the tunnel")
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply
    return sock


def h2_request(proxy_port: int, host: str, port: int, cafile: str, method: str, path: str, body: bytes = b""):
    """One HTTP/2 exchange through the proxy; returns (alpn, status, headers, body)."""
    import h2.config
    import h2.connection
    import h2.events

    ctx = ssl.create_default_context(cafile=cafile)
    ctx.set_alpn_protocols(["h2"])
    tls = ctx.wrap_socket(connect_tunnel(proxy_port, host, port), server_hostname=host)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    headers = [(":method", method), (":path", path), (":authority", f"{host}:{port}"), (":scheme", "https"),
               ("x-probe", "h2")] + ([("content-length", str(len(body)))] if body else [])
    conn.send_headers(stream, headers, end_stream=not body)
    if body:
        conn.send_data(stream, body, end_stream=True)
    tls.sendall(conn.data_to_send())
    status, resp_headers, data, done = None, [], b"", False
    while not done:
        chunk = tls.recv(65535)
        if not chunk:
            break
        for event in conn.receive_data(chunk):
            if isinstance(event, h2.events.ResponseReceived):
                resp_headers = [(k.decode() if isinstance(k, bytes) else k, v.decode() if isinstance(v, bytes) else v)
                                for k, v in event.headers]
                status = int(dict(resp_headers)[":status"])
            elif isinstance(event, h2.events.DataReceived):
                data += event.data
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        tls.sendall(conn.data_to_send())
    alpn = tls.selected_alpn_protocol()
    tls.close()
    return alpn, status, resp_headers, data


def websocket_exchange(proxy_port: int, ws_port: int, messages: list) -> list:
    from websockets.sync.client import connect

    sock = connect_tunnel(proxy_port, "127.0.0.1", ws_port)
    replies = []
    with connect(f"ws://127.0.0.1:{ws_port}/chat", sock=sock) as ws:
        for message in messages:
            ws.send(message)
            replies.append(ws.recv(timeout=10))
    return replies


def load_capture_addon():
    """addons/capture.py loaded from its file, the way mitmdump -s loads it."""
    import importlib.util
    import sys
    from pathlib import Path

    name = "consentry_capture_addon_under_test"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[2] / "addons" / "capture.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
