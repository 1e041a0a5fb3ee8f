"""Import of mitmproxy flow dumps (``mitmdump -w``, ``mitmproxy`` save files).

Flows are read with mitmproxy's own reader and converted exactly as the live capture
addon converts them. A dump cut short (a proxy killed mid-write) keeps every flow
before the damage and reports where reading stopped; non-HTTP flows (TCP, UDP, DNS)
are counted and skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from mitmproxy import exceptions, http, io as mio

from analyzer.capture.convert import flow_to_record
from analyzer.importers import (
    FLOW_BATCH,
    ImportFailed,
    ImportResult,
    SessionTarget,
    check_input_file,
    file_sha256,
    load_events,
    finish_import,
    store_flows,
)
from analyzer.models.flow import FlowRecord


class _Tail:
    """Where reading stopped, if the file is damaged."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.read = 0
        self.non_http = 0


_SMALL_READ = 1 << 20


class _SizedFile:
    """A file that refuses a read longer than what is left in it.

    A record's length prefix is read as is and the record read in one call: a 113-byte
    file claiming a 100 GB record would otherwise ask for 100 GB of memory first.
    """

    def __init__(self, fh, size: int) -> None:
        self._fh, self._size = fh, size

    def read(self, n: int = -1) -> bytes:
        # small reads past the end are how the reader finds the end of the file
        if n is not None and n > _SMALL_READ and n > self._size - self._fh.tell():
            raise exceptions.FlowReadException(
                f"a record claims {n} bytes at offset {self._fh.tell()}, but the file has {self._size - self._fh.tell()} left")
        return self._fh.read(n)

    def __getattr__(self, name: str):
        return getattr(self._fh, name)


def iter_mitm_records(path: Path, tail: _Tail) -> Iterator[FlowRecord]:
    with open(path, "rb") as raw:
        fh = _SizedFile(raw, path.stat().st_size)
        reader = mio.FlowReader(fh)
        try:
            for flow in reader.stream():
                tail.read += 1
                if not isinstance(flow, http.HTTPFlow) or flow.request is None:
                    tail.non_http += 1
                    continue
                yield flow_to_record(flow, source="import")
        except exceptions.FlowReadException as exc:
            tail.error = str(exc).splitlines()[0] if str(exc) else "invalid data"
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError, MemoryError, OverflowError) as exc:
            tail.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'unreadable flow'}"


def import_mitm(
    store,
    path: str | Path,
    session_name: str,
    events_path: str | Path | None = None,
    *,
    append: bool = False,
    app: tuple[str, str] | None = None,
) -> ImportResult:
    """Import a mitmproxy dump (and optionally a session-events .jsonl) into a session."""
    path = Path(path)
    check_input_file(path)
    events = load_events(Path(events_path) if events_path else None)
    tail = _Tail()
    records = iter_mitm_records(path, tail)
    first = next(records, None)
    if first is None and tail.error:
        raise ImportFailed(f"{path} is not a readable mitmproxy flow file ({tail.error})")
    source = {"format": "mitm", "file": path.name, "sha256": file_sha256(path)}
    target = SessionTarget(store, session_name, append=append, app=app, source=source)
    result = ImportResult(session=session_name, format="mitm", created=target.created)
    batch: list[FlowRecord] = [first] if first is not None else []
    for record in records:
        batch.append(record)
        if len(batch) >= FLOW_BATCH:
            store_flows(target, batch, result)
            batch = []
    store_flows(target, batch, result)
    if tail.non_http:
        result.skipped += tail.non_http
        result.warnings.append(f"{tail.non_http} non-HTTP flows (TCP/UDP/DNS) skipped")
    if tail.error:
        result.warnings.append(f"file is damaged after flow {tail.read}: {tail.error}; the {tail.read} flows before it were imported")
    return finish_import(target, events, result)
