"""Which process records a session, and sessions whose recorder died.

A recording process (the capture addon) writes its host, pid and process start time into
the session's ``meta.recorder``. A session still ``recording`` whose recorder no longer
runs (killed with SIGKILL, machine crash) is marked ``interrupted`` by the next command
that opens the store, so no session claims to be recording forever. The start time
tells a live recorder from a new process that reuses its pid.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import select, update

from analyzer.store import models as m
from analyzer.store.types import utcnow


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None if unknown or gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    # field 2 (the command) may hold spaces and parentheses: split after the last ")"
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def recorder_identity(pid: int | None = None) -> dict[str, Any]:
    pid = os.getpid() if pid is None else pid
    return {"host": socket.gethostname(), "pid": pid, "start": process_start(pid)}


def recorder_alive(recorder: dict[str, Any]) -> bool | None:
    """True/False for a recorder on this host; None when it ran elsewhere (cannot tell)."""
    if recorder.get("host") != socket.gethostname():
        return None
    pid = recorder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, another user's
    start = recorder.get("start")
    if start is not None and os.path.exists("/proc"):
        return process_start(pid) == start
    return True


def merge_session_meta(store, session_id, updates: dict[str, Any]) -> None:
    with store.session() as s:
        meta = s.scalar(select(m.Session.meta).where(m.Session.id == session_id).with_for_update())
        s.execute(update(m.Session).where(m.Session.id == session_id).values(meta={**(meta or {}), **updates}))


def mark_dead_recordings(store) -> list[str]:
    """Mark sessions ``interrupted`` whose recorder died without finishing them; their names."""
    with store.session() as s:
        rows = list(s.execute(select(m.Session.id, m.Session.name, m.Session.meta).where(m.Session.status == "recording")))
    dead = []
    for session_id, name, meta in rows:
        recorder = (meta or {}).get("recorder")
        if not isinstance(recorder, dict) or recorder_alive(recorder) is not False:
            continue
        with store.session() as s:
            changed = s.execute(
                update(m.Session)
                .where(m.Session.id == session_id, m.Session.status == "recording")
                .values(
                    status="interrupted", ended_at=utcnow(),
                    status_detail=f"the recording process (pid {recorder.get('pid')}) ended without finishing the session",
                )
            ).rowcount
        if changed:
            dead.append(name)
    return dead
