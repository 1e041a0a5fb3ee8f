"""Shared CLI plumbing: global options, the one-line error type, store access, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from rich.console import Console


class CliError(Exception):
    """An expected failure: printed as one line, exit code 2 unless told otherwise."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class _State:
    db_url: str | None = None
    verbose: bool = False


state = _State()
console = Console()
err_console = Console(stderr=True)


def open_store():
    """The store selected by --db / CONSENTRY_DB (default: SQLite in the user data dir)."""
    from analyzer.store import StoreError, open_store as _open

    try:
        store = _open(state.db_url)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    _mark_dead_recordings(store)
    return store


def _mark_dead_recordings(store) -> None:
    """Sessions whose proxy died without finishing them stop claiming to record."""
    from analyzer.store.liveness import mark_dead_recordings
    from analyzer.terminal import for_terminal

    try:
        for name in mark_dead_recordings(store):
            print(f"note: session {for_terminal(name)!r} was left recording by a process that ended; marked interrupted",
                  file=sys.stderr)
    except Exception:  # noqa: BLE001 - a check on the side must never stop the command asked for
        pass


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
