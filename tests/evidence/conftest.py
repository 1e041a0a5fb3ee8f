"""In-process CLI runs for the evidence tests (typer's CliRunner around the real entry point)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import main


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def _entry(argv: tuple[str, ...]) -> None:
    main(list(argv))  # one-line errors and exit codes exactly as the console script


@pytest.fixture
def run(sqlite_url, tmp_path):
    """run(*args, columns=None, env=None) -> click Result (stdout, stderr, exit_code)."""

    def invoke(*args: str, columns: int | None = None, env: dict | None = None, db: str | None = None):
        full_env = {"CONSENTRY_DB": db or sqlite_url, "XDG_DATA_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1"}
        if columns:
            full_env["COLUMNS"] = str(columns)
        full_env.update(env or {})
        return CliRunner().invoke(_entry, list(args), env=full_env, catch_exceptions=False)

    return invoke
