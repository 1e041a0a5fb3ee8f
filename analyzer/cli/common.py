"""Shared CLI plumbing: global options, the one-line error type, store access, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table


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


class _Console(Console):
    """A Console whose width comes from the terminal or COLUMNS at each use (rich fixes
    COLUMNS when the console is made, at import), so scripts and tests can set it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._width = None  # rich then reads os.environ["COLUMNS"] in Console.size


console = _Console()
err_console = _Console(stderr=True)

MIN_SHORT_ID = 8


def short_ids(ids: Iterable[str], minimum: int = MIN_SHORT_ID) -> dict[str, str]:
    """Each id shortened to the shortest prefix (at least ``minimum`` characters) that no
    other id of the list shares; every command taking an id accepts such a prefix."""
    unique = sorted(set(ids))
    out: dict[str, str] = {}
    for i, ident in enumerate(unique):
        length = minimum
        for other in (unique[i - 1] if i else "", unique[i + 1] if i + 1 < len(unique) else ""):
            common = 0
            while common < min(len(ident), len(other)) and ident[common] == other[common]:
                common += 1
            length = max(length, common + 1)
        out[ident] = ident[:length]
    return out


def table(title: str | None, columns: Sequence[str], *, numeric: Sequence[str] = (), whole: Sequence[str] = ()) -> Table:
    """A table that fits 80 columns: cells wrap at spaces; ``whole`` columns (ids, rule
    names, times) are never wrapped or cut, the others give way first."""
    out = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False,
                show_edge=False)
    for col in columns:
        out.add_column(col, overflow="fold", justify="right" if col in numeric else "left", no_wrap=col in whole)
    return out


def short_api(api: str) -> str:
    """``android.telephony.TelephonyManager.getImei`` -> ``TelephonyManager.getImei``."""
    parts = api.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else api


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
