"""Run the consentry CLI in this process, through the same entry point as the console script
(so one-line errors and exit codes are the real ones), without a ~0.85 s interpreter start."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str, db: str | None = None) -> Result:
    from analyzer.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    argv = (["--db", db] if db else []) + list(args)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Result(code, out.getvalue(), err.getvalue())
