"""Server replay for a device run: the app gets the responses of a recorded session.

Not to be confused with ``replay`` (analyzer/replay), which re-analyses stored sessions;
this serves recorded traffic back through mitmproxy (addons/server_replay.py).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from analyzer.resources import addon_script

KILLED_MARKERS = ("killed",)
UNMATCHED_MODES = ("kill", "forward")  # what the addon does with a request it has no response for


class ServerReplayError(Exception):
    pass


def server_replay_setup(store, session_name: str, *, unmatched: str = "kill") -> tuple[list[str], dict[str, Any]]:
    """Export ``session_name``'s flows for mitmproxy and return (scripts, options) to serve them."""
    if unmatched not in UNMATCHED_MODES:
        raise ServerReplayError(f"--replay-unmatched must be one of {', '.join(UNMATCHED_MODES)}")
    store.get_session(session_name)  # SessionNotFound: a clear one-line error
    from analyzer.exporters.mitm import write_mitm

    workdir = Path(tempfile.mkdtemp(prefix="consentry-replay-"))
    atexit.register(shutil.rmtree, workdir, True)
    path = workdir / f"{session_name}.mitm"
    write_mitm(store, session_name, path)
    script = addon_script("server_replay.py")
    # No upstream exists during a replay: mitmproxy must not connect to one to copy its
    # certificate (it would fail the client's TLS handshake); it forges from the SNI.
    return [str(script)], {
        "consentry_replay_file": str(path), "consentry_replay_unmatched": unmatched,
        "connection_strategy": "lazy", "upstream_cert": False,
    }


def is_unmatched(error: str | None) -> bool:
    """Whether a flow recorded in a replay run was a request replay had no answer for."""
    return bool(error) and any(m in error.lower() for m in KILLED_MARKERS)
