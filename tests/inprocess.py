"""Run the consentry CLI in this process, through the same entry point as the console script
(so one-line errors and exit codes are the real ones), without a ~0.85 s interpreter start.

The process-wide things a console script gets fresh (environment, working directory,
stdin, ``sys.argv[0]``) are set for the call and put back afterwards."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def returncode(self) -> int:  # the name subprocess.CompletedProcess uses
        return self.exit_code


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _working_directory(path: Path | str | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(
    *args: str,
    db: str | None = None,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    input: str | None = None,
) -> Result:
    from analyzer.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    argv = (["--db", db] if db else []) + list(args)
    stdin, argv0 = sys.stdin, sys.argv[0] if sys.argv else ""
    sys.stdin = io.StringIO(input or "")  # like a pipe: not a terminal, ends at once unless given input
    if sys.argv:
        sys.argv[0] = "consentry"  # usage lines name the program as the console script does
    try:
        with _environment(env or {}), _working_directory(cwd), \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = stdin
        if sys.argv:
            sys.argv[0] = argv0
    return Result(code, out.getvalue(), err.getvalue())
