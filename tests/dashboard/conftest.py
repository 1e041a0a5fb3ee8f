"""Fixtures of the dashboard and triage tests: stores built in-process, the CLI in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))

import analyzer.store.models_triage  # noqa: E402,F401 - PostgreSQL test stores truncate these tables too


@pytest.fixture
def run_cli(capsys):
    """`consentry ARGS` in this process: (exit code, stdout, stderr)."""
    from analyzer.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run
