"""`consentry proxy`: capture traffic into a session while the app is driven by hand."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import typer

from analyzer.cli.common import CliError, console, err_console, open_store
from analyzer.terminal import for_terminal

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
    top = ", ".join(f"{for_terminal(h, 200)} ({n})" for h, n in hosts.most_common(5)) or "none"
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
    on_store_error: str = typer.Option("block", "--on-store-error",
                                       help="When the store takes no writes: block (answer 502) or forward (unrecorded)."),
    spool_dir: Path = typer.Option(None, "--spool-dir", help="Where flows wait while the store is away (default: user data dir)."),
) -> None:
    """Run the capture proxy until Ctrl-C/SIGTERM; prints the address, the CA and live counts."""
    from analyzer.capture import parse_app_spec
    from analyzer.capture.proxy import ProxyError, start_proxy
    from analyzer.store import StoreError, validate_session_name

    if not 0 <= listen_port <= 65535:
        raise CliError("--listen-port must be 0-65535")
    if on_store_error not in ("block", "forward"):
        raise CliError("--on-store-error must be block or forward")
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
    options: dict[str, object] = {"consentry_batch_interval": batch_interval, "consentry_max_body": max_body,
                                  "consentry_on_store_error": on_store_error}
    if spool_dir:
        options["consentry_spool_dir"] = str(spool_dir)
    state_file = Path(tempfile.mkdtemp(prefix="consentry-state-")) / "state.json"
    options["consentry_state_file"] = str(state_file)
    if app:
        options["consentry_app"] = app
    if upstream_ca:
        options["ssl_verify_upstream_trusted_ca"] = str(upstream_ca)
    try:
        handle = start_proxy(store.url, session, host=listen_host, port=listen_port, confdir=confdir,
                             extra_options=options)
    except ProxyError as exc:
        _not_recording(store, session, f"proxy did not start: {exc}")
        raise CliError(f"proxy did not start: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        row = store.get_session(session)
        _say(f"Proxy listening on {handle.host}:{handle.port}, recording into session {session!r}")
        _say(f"CA certificate: {handle.ca_cert_path}")
        _say(PHONE_HELP.format(port=handle.port, ca=handle.ca_cert_path))
        _watch(store, row.id, handle, stop, state_file)
    finally:
        code = handle.stop()
        shutil.rmtree(state_file.parent, ignore_errors=True)
    try:
        summary = _summary(store, row.id)
    except Exception as exc:  # noqa: BLE001 - the store may be the thing that failed
        summary = f"(the store did not answer: {for_terminal(exc, 200)})"
    _say(f"Stopped. Session {session!r}: {summary}")
    if code not in (0, None):
        console.print(f"[yellow]mitmdump exited with code {code}[/]: {handle.log_tail(5)}")
        sys.exit(1)


def _not_recording(store, session: str, detail: str) -> None:
    """A proxy that never ran leaves no session claiming to record."""
    from analyzer.store import StoreError

    try:
        row = store.find_session(session)
        if row is not None and row.status == "recording":
            store.update_session(session, status="proxy_error", status_detail=detail[:500])
    except StoreError:
        pass


def _store_state(state_file: Path) -> dict | None:
    try:
        return json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None


def _watch(store, session_id, handle, stop: threading.Event, state_file: Path) -> None:
    last = None
    last_state = None
    interactive = console.is_terminal
    started = time.monotonic()
    while not stop.wait(1.0):
        if not handle.alive:
            raise CliError(f"the proxy exited unexpectedly: {for_terminal(handle.log_tail(3) or 'no output')}")
        state = _store_state(state_file)
        if state is not None and state.get("state") != last_state:
            last_state = state.get("state")
            _say_state(state)
        try:
            counts = store.counts(session_id)
        except Exception as exc:  # noqa: BLE001 - the store being away must not end the watch
            line = f"store not answering: {for_terminal(str(exc).splitlines()[0] if str(exc) else exc, 200)}"
        else:
            line = f"flows: {counts['flows']}  errors: {counts['flow_errors']}  events: {counts['events']}"
        if interactive:
            console.print(f"[{time.monotonic() - started:6.0f}s] {line}", end="\r")
        elif line != last:
            _say(line)
        last = line
    if interactive:
        console.print()


def _say_state(state: dict) -> None:
    detail = for_terminal(state.get("detail") or "", 300)
    if state.get("state") == "failed":
        what = "traffic is blocked (502) until it does" if state.get("blocking") else \
            "traffic is still forwarded and NOT recorded (--on-store-error forward)"
        err_console.print(f"[bold red]STORE FAILED[/]: the store takes no writes ({detail}); {what}", highlight=False)
    elif state.get("state") == "away":
        err_console.print(f"[yellow]store away[/] ({detail}): flows are held in the spool until it returns", highlight=False)
    else:
        err_console.print("[green]store back[/]: spooled flows written", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("proxy")(proxy)
