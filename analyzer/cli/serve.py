"""`consentry serve`: the dashboard and JSON API (docs/dashboard.md)."""

from __future__ import annotations

import getpass
import ipaddress
import os
import signal
import sys

import typer

from analyzer.cli.common import CliError, err_console, open_store


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (non-loopback needs --auth or $CONSENTRY_SERVE_USERS)."),
        port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free port, printed)."),
        auth: str = typer.Option(None, "--auth", metavar="FILE", help="Users file: NAME:pbkdf2_sha256$... lines; every request then needs HTTP Basic credentials."),
        reviewer: str = typer.Option(None, "--reviewer", help="Name recorded for triage changes when no credentials are required (default: $CONSENTRY_REVIEWER or the login name)."),
        hash_password: str = typer.Option(None, "--hash-password", metavar="NAME", help="Read a password on stdin, print a users-file line for NAME, and exit."),
    ) -> None:
        """Serve the web dashboard and JSON API over the store (127.0.0.1:8000 by default)."""
        from analyzer.web.auth import AuthConfigError, hash_password as make_hash, load_users

        if hash_password is not None:
            if not hash_password or ":" in hash_password:
                raise CliError("--hash-password needs a user name without ':'")
            password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            if not password:
                raise CliError("empty password")
            print(f"{hash_password}:{make_hash(password)}")
            return
        try:
            users = load_users(auth)
        except AuthConfigError as exc:
            raise CliError(str(exc)) from None
        if not is_loopback(host) and not users:
            raise CliError(f"refusing to serve on {host} without credentials: give --auth FILE "
                           f"(see `consentry serve --hash-password NAME`) or set CONSENTRY_SERVE_USERS")
        name = reviewer or os.environ.get("CONSENTRY_REVIEWER") or _login()
        run_server(open_store(), host, port, users=users, reviewer=name)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def run_server(store, host: str, port: int, *, users: dict[str, str], reviewer: str) -> None:
    import socket

    import uvicorn

    from analyzer.web.app import create_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on connections of a socket that
    # says so, and without it a reused connection waits ~40 ms per response (Nagle against
    # the client's delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    err_console.print(f"consentry dashboard on http://{shown}:{bound}/ (API: /api/, schema: /api/openapi.json)"
                      f"{' with credentials' if users else ''}; Ctrl-C stops", markup=False, highlight=False, soft_wrap=True)
    config = uvicorn.Config(create_app(store, users=users, reviewer=reviewer), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal: a stop
    # asked for is a normal end (exit 0), not an interruption.
    signal.signal(signal.SIGTERM, _stopped)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        err_console.print("consentry dashboard stopped", markup=False, highlight=False)


def _stopped(_signum, _frame) -> None:
    raise SystemExit(0)
