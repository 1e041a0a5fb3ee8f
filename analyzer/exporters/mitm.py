"""mitmproxy dump export: real ``HTTPFlow`` objects written with mitmproxy's FlowWriter.

The file opens in ``mitmproxy -r``/``mitmweb -r``/``mitmdump -r`` and carries the wire
bytes, headers, timestamps, errors and WebSocket messages of every stored flow.
"""

from __future__ import annotations

from pathlib import Path

from mitmproxy import io as mio

from analyzer.fileio import atomic_output
from analyzer.capture.convert import record_to_flow


def write_mitm_stream(records, fh) -> int:
    writer = mio.FlowWriter(fh)
    count = 0
    for record in records:
        writer.add(record_to_flow(record))
        count += 1
    return count


def write_mitm(store, session_name: str, path: str | Path) -> int:
    """Write the session's flows as a mitmproxy dump; returns the number of flows."""
    session = store.get_session(session_name)
    with atomic_output(path, "wb") as fh:
        count = write_mitm_stream(store.iter_flows(session.id), fh)
    return count
