"""`consentry proxy`: capture traffic into a session while the app is driven by hand."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import typer

from analyzer.cli.common import CliError, console, open_store

PHONE_HELP = """\
To capture a phone's traffic:
  1. Listen where the phone can reach you: --listen-host 0.0.0.0 (the proxy then serves your LAN).
  2. Phone Wi-Fi settings: proxy = this workstation's IP, port {port}.
  3. Install the CA: adb push {ca} /sdcard/Download/consentry-ca.pem, then
     Settings > Security > Encryption & credentials > Install a certificate > CA certificate.
     Android 7+ apps trust user CAs only if their network security config allows it: on a
     rooted test device install it as a system CA (see docs/capture.md).
Stop with Ctrl-C (or SIGTERM): every forwarded flow is flushed to the store first."""


def _say(text: str) -> None:
    print(text, flush=True)


def _summary(store, session_id) -> str:
    counts = store.counts(session_id)
    hosts = Counter(f.host for f in store.iter_flows(session_id, with_bodies=False))
    top = ", ".join(f"{h} ({n})" for h, n in hosts.most_common(5)) or "none"
    return (f"{counts['flows']} flows ({counts['flow_errors']} with errors), {counts['events']} events; "
            f"top hosts: {top}")


def proxy(
    session: str = typer.Option(..., "--session", "-s", help="Session to record into (created if missing)."),
    listen_host: str = typer.Option("127.0.0.1", "--listen-host", help="Address to listen on (0.0.0.0: reachable from the LAN)."),
    listen_port: int = typer.Option(8080, "--listen-port", help="Port to listen on (0: any free port)."),
    confdir: Path = typer.Option(None, "--confdir", help="mitmproxy configuration directory holding the CA (default ~/.mitmproxy)."),
    app: str = typer.Option(None, "--app", help="App under test, PACKAGE or PACKAGE@VERSION."),
    batch_interval: float = typer.Option(0.5, "--batch-interval", help="Seconds between store writes (a hard kill loses at most this much)."),
    max_body: int = typer.Option(32 * 1024 * 1024, "--max-body", help="Bytes kept of each body; longer bodies are cut and flagged."),
    upstream_ca: Path = typer.Option(None, "--upstream-ca", help="PEM of extra CAs trusted for upstream servers (lab servers)."),
) -> None:
    """Run the capture proxy until Ctrl-C/SIGTERM; prints the address, the CA and live counts."""
    from analyzer.capture import parse_app_spec
    from analyzer.capture.proxy import ProxyError, start_proxy
    from analyzer.store import StoreError, validate_session_name

    if not 0 <= listen_port <= 65535:
        raise CliError("--listen-port must be 0-65535")
    if app:
        try:
            parse_app_spec(app)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    try:
        validate_session_name(session)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    store = open_store()
    options: dict[str, object] = {"consentry_batch_interval": batch_interval, "consentry_max_body": max_body}
    if app:
        options["consentry_app"] = app
    if upstream_ca:
        options["ssl_verify_upstream_trusted_ca"] = str(upstream_ca)
    try:
        handle = start_proxy(store.url, session, host=listen_host, port=listen_port, confdir=confdir,
                             extra_options=options)
    except ProxyError as exc:
        raise CliError(f"proxy did not start: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        row = store.get_session(session)
        _say(f"Proxy listening on {handle.host}:{handle.port}, recording into session {session!r}")
        _say(f"CA certificate: {handle.ca_cert_path}")
        _say(PHONE_HELP.format(port=handle.port, ca=handle.ca_cert_path))
        _watch(store, row.id, handle, stop)
    finally:
        code = handle.stop()
    _say(f"Stopped. Session {session!r}: {_summary(store, row.id)}")
    if code not in (0, None):
        console.print(f"[yellow]mitmdump exited with code {code}[/]: {handle.log_tail(5)}")
        sys.exit(1)


def _watch(store, session_id, handle, stop: threading.Event) -> None:
    last = None
    interactive = console.is_terminal
    started = time.monotonic()
    while not stop.wait(1.0):
        if not handle.alive:
            raise CliError(f"the proxy exited unexpectedly: {handle.log_tail(3) or 'no output'}")
        counts = store.counts(session_id)
        line = f"flows: {counts['flows']}  errors: {counts['flow_errors']}  events: {counts['events']}"
        if interactive:
            console.print(f"[{time.monotonic() - started:6.0f}s] {line}", end="\r")
        elif line != last:
            _say(line)
        last = line
    if interactive:
        console.print()


def register(app: typer.Typer) -> None:
    app.command("proxy")(proxy)
