"""Session events as ``.jsonl`` (the interchange format of docs/events.md), in session order.

Each line is the event as it was received (``ts`` on the source's clock), so the file
imports again with ``--events`` and feeds other tools.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from analyzer.fileio import atomic_output


def write_events_stream(store, session_id, out: IO[str]) -> int:
    count = 0
    for row in store.iter_events(session_id):
        out.write(json.dumps(row.data, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def write_events(store, session_name: str, path: str | Path) -> int:
    session = store.get_session(session_name)
    with atomic_output(path) as fh:
        return write_events_stream(store, session.id, fh)
