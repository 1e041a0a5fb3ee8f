"""`consentry import har|mitm`: bring traffic captured elsewhere into a session."""

from __future__ import annotations

from pathlib import Path

import typer

from analyzer.cli.common import CliError, console, open_store, print_json

import_app = typer.Typer(help="Import captured traffic (HAR, mitmproxy dumps) into a session.", no_args_is_help=True)

FILE_ARG = typer.Argument(..., help="File to import.")
SESSION_OPT = typer.Option(..., "--session", "-s", help="Session to create (or extend with --append).")
EVENTS_OPT = typer.Option(None, "--events", help="Session events (.jsonl) recorded alongside the traffic.")
APP_OPT = typer.Option(None, "--app", help="App under test, PACKAGE or PACKAGE@VERSION.")
APPEND_OPT = typer.Option(False, "--append", help="Add to an existing session instead of refusing.")
JSON_OPT = typer.Option(False, "--json", help="Machine-readable output.")


def _run(kind: str, file: Path, session: str, events: Path | None, app: str | None, append: bool, as_json: bool) -> None:
    from analyzer.capture import parse_app_spec
    from analyzer.importers import ImportFailed
    from analyzer.store import StoreError

    try:
        app_spec = parse_app_spec(app) if app else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    store = open_store()
    if kind == "har":
        from analyzer.importers.har import import_har as importer
    else:
        from analyzer.importers.mitm import import_mitm as importer
    from analyzer.store.unit import one_transaction
    from analyzer.terminal import for_terminal

    try:
        with one_transaction(store):  # a failed import leaves the store exactly as it was
            result = importer(store, file, session, events, append=append, app=app_spec)
    except (ImportFailed, StoreError) as exc:
        raise CliError(for_terminal(exc)) from None
    except MemoryError:
        raise CliError(f"cannot import {file}: it needs more memory than there is (a damaged or hostile file?)") from None
    except Exception as exc:  # noqa: BLE001 - whatever the input held: one line, nothing stored
        raise CliError(f"cannot import {for_terminal(file)}: {type(exc).__name__}: {for_terminal(exc, 300)}") from None
    if as_json:
        print_json(result.as_dict())
        return
    verb = "Created" if result.created else "Appended to"
    console.print(f"{verb} session {for_terminal(session)!r} from {for_terminal(file.name)}: {result.flows} flows "
                  f"({result.flows_with_warnings} with warnings, {result.skipped} skipped), "
                  f"{result.events} events ({result.unknown_events} of unknown type)", highlight=False, markup=False)
    for warning in result.warnings:
        console.print(f"  warning: {for_terminal(warning)}", highlight=False, markup=False)


@import_app.command("har")
def import_har_cmd(file: Path = FILE_ARG, session: str = SESSION_OPT, events: Path = EVENTS_OPT, app: str = APP_OPT,
                   append: bool = APPEND_OPT, as_json: bool = JSON_OPT) -> None:
    """Import a HAR file (browsers, HTTP Toolkit, Charles, consentry exports)."""
    _run("har", file, session, events, app, append, as_json)


@import_app.command("mitm")
def import_mitm_cmd(file: Path = FILE_ARG, session: str = SESSION_OPT, events: Path = EVENTS_OPT, app: str = APP_OPT,
                    append: bool = APPEND_OPT, as_json: bool = JSON_OPT) -> None:
    """Import a mitmproxy flow dump (mitmdump -w FILE); a damaged tail is reported, not fatal."""
    _run("mitm", file, session, events, app, append, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
