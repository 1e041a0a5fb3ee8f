"""Server-side replay for a device run: the app gets the responses of a recorded session."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from analyzer.runner.replay_addon import UNMATCHED_MODES

KILLED_MARKERS = ("killed",)


class ReplayError(Exception):
    pass


def replay_proxy_setup(store, session_name: str, *, unmatched: str = "kill") -> tuple[list[str], dict[str, Any]]:
    """Export ``session_name``'s flows for mitmproxy and return (scripts, options) to serve them."""
    if unmatched not in UNMATCHED_MODES:
        raise ReplayError(f"--replay-unmatched must be one of {', '.join(UNMATCHED_MODES)}")
    store.get_session(session_name)  # SessionNotFound: a clear one-line error
    from analyzer.exporters.mitm import write_mitm

    workdir = Path(tempfile.mkdtemp(prefix="consentry-replay-"))
    atexit.register(shutil.rmtree, workdir, True)
    path = workdir / f"{session_name}.mitm"
    write_mitm(store, session_name, path)
    script = Path(__file__).with_name("replay_addon.py")
    # No upstream exists during a replay: mitmproxy must not connect to one to copy its
    # certificate (it would fail the client's TLS handshake); it forges from the SNI.
    return [str(script)], {
        "consentry_replay_file": str(path), "consentry_replay_unmatched": unmatched,
        "connection_strategy": "lazy", "upstream_cert": False,
    }


def is_unmatched(error: str | None) -> bool:
    """Whether a flow recorded in a replay run was a request replay had no answer for."""
    return bool(error) and any(m in error.lower() for m in KILLED_MARKERS)
