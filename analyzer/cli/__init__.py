"""The ``consentry`` command line: thin typer commands over the library API.

Each area registers its commands from its own module (``register(app)``), so the
modules stay small and the root knows only their names.
"""

from __future__ import annotations

import importlib
import sys

import typer

from analyzer.cli.common import CliError, state
from analyzer.store.db import StoreError
from analyzer.terminal import for_terminal

app = typer.Typer(
    name="consentry",
    help="Flags personal data an app sends without the user's consent.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (
    "sessions",  # sessions list|show, mark, schema, identifiers
    "marks",  # mark list|delete (after sessions: adds to its `mark` group)
    "capture",  # proxy
    "imports",  # import har|mitm
    "exports",  # export har|mitm|bundle, verify
    "keys",  # keys init|show (bundle signing key)
    "analysis",  # analyze, findings
    "report",  # report
    "hooks",  # hooks bundle|list
    "run",  # run, demo
    "replay",  # replay, diff
    "lab",  # lab build
    "triage",  # triage set|clear|list|suppress|suppressions|unsuppress|log
    "serve",  # serve (the dashboard and JSON API)
    "campaign",  # campaign create|run|status|list|retry|cancel, worker
)


@app.callback()
def _root(
    db: str = typer.Option(None, "--db", envvar="CONSENTRY_DB", help="Store URL (sqlite:///PATH or postgresql+psycopg://...). Default: an SQLite file in the user's data dir."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks for unexpected errors."),
) -> None:
    state.db_url = db
    state.verbose = verbose


def register_commands(typer_app: typer.Typer, names: tuple[str, ...] = COMMAND_MODULES) -> None:
    """Adds every command module's commands. A module that cannot be imported is an
    installation error: it is raised, never skipped, so no command quietly goes missing."""
    for name in names:
        importlib.import_module(f"analyzer.cli.{name}").register(typer_app)


register_commands(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every expected failure is one line on stderr and a non-zero exit."""
    try:
        # Without standalone mode click hands back typer.Exit codes instead of exiting.
        rc = app(args=argv, standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except CliError as exc:
        print(f"consentry: error: {for_terminal(exc, None)}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except StoreError as exc:
        print(f"consentry: error: {for_terminal(exc, None)}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("consentry: interrupted", file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("consentry: aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        # Usage errors (typer ships its own click): shown as usage + one error line.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if state.verbose:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"consentry: error: {type(exc).__name__}: {for_terminal(first)}", file=sys.stderr)
        sys.exit(1)
