"""Importing traffic captured elsewhere (HAR, mitmproxy dumps) into a session.

Every importer validates its input before the session is touched, so a malformed
file leaves the store as it was; problems that still leave a usable flow become
``flow.meta["warnings"]`` and are counted in the result.
"""

from __future__ import annotations

import datetime as dt

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from analyzer.models.events import Event, EventParseError, UnknownEvent, read_events_jsonl
from analyzer.models.flow import FlowRecord
from analyzer.store.types import from_epoch_ms

DEFAULT_MAX_IMPORT_BYTES = 1024 * 1024 * 1024
FLOW_BATCH = 200


class ImportFailed(Exception):
    """The file cannot be imported; the message is one line for the user."""


@dataclass
class ImportResult:
    session: str
    format: str
    flows: int = 0
    flows_with_warnings: int = 0
    skipped: int = 0
    events: int = 0
    unknown_events: int = 0
    warnings: list[str] = field(default_factory=list)
    created: bool = True

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def max_import_bytes() -> int:
    raw = os.environ.get("CONSENTRY_MAX_IMPORT_BYTES")
    if not raw:
        return DEFAULT_MAX_IMPORT_BYTES
    try:
        return max(1, int(raw))
    except ValueError:
        raise ImportFailed(f"CONSENTRY_MAX_IMPORT_BYTES is not a whole number: {raw!r}") from None


def check_input_file(path: Path, limit: int | None = None) -> int:
    """Size of a readable regular file within the import limit (else ImportFailed)."""
    limit = limit or max_import_bytes()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    if not path.is_file():
        raise ImportFailed(f"{path} is not a file")
    if size > limit:
        raise ImportFailed(
            f"{path} is {size} bytes, over the import limit of {limit} bytes (set CONSENTRY_MAX_IMPORT_BYTES to raise it)"
        )
    return size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_events(path: Path | None) -> list[Event]:
    """All events of a .jsonl file, validated before anything is stored."""
    if path is None:
        return []
    check_input_file(path)
    try:
        events = list(read_events_jsonl(path))
    except EventParseError as exc:
        raise ImportFailed(str(exc)) from None
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None
    for number, event in enumerate(events, 1):
        if not _storable_ms(event.ts):
            raise ImportFailed(f"{path}: event {number} ({event.type}) has ts {event.ts!r}, not a time in years 1-9999")
    return events


def _storable_ms(ts: object) -> bool:
    try:
        from_epoch_ms(float(ts))  # type: ignore[arg-type]
    except (ValueError, OverflowError, OSError, TypeError):
        return False
    return True



class SessionTarget:
    """The session an import writes into: created on first use, or appended to."""

    def __init__(self, store, name: str, *, append: bool, app: tuple[str, str] | None, source: dict[str, Any]) -> None:
        from analyzer.store import StoreError, validate_session_name

        try:
            validate_session_name(name)
        except StoreError as exc:
            raise ImportFailed(str(exc)) from None
        self.store, self.name, self.app, self.source = store, name, app, source
        existing = store.find_session(name)
        if existing is not None and not append:
            raise ImportFailed(f"a session named {name!r} already exists (use --append to add to it)")
        if existing is not None and source.get("sha256"):
            for earlier in (existing.meta or {}).get("imports", []):
                if isinstance(earlier, dict) and earlier.get("sha256") == source["sha256"]:
                    raise ImportFailed(
                        f"this file ({source.get('file')}, sha256 {source['sha256'][:12]}…) is already imported "
                        f"into session {name!r}: appending it again would double its flows"
                    )
        self.created = existing is None
        self._id = existing.id if existing is not None else None
        self._first: dt.datetime | None = None
        self._last: dt.datetime | None = None

    def saw(self, *times: dt.datetime | None) -> None:
        """Widen the recorded time range; an imported session spans its own data."""
        for t in times:
            if t is None:
                continue
            self._first = t if self._first is None or t < self._first else self._first
            self._last = t if self._last is None or t > self._last else self._last

    @property
    def session_id(self):
        if self._id is None:
            row = self.store.create_session(
                self.name, app=self.app, device={"kind": "import"}, status="imported",
                meta={"imports": [self.source]},
            )
            self._id = row.id
        return self._id

    def note_import(self) -> None:
        """Record the data's time range, and this file in the session's import history."""
        if self._id is not None and self._first is not None:
            row = self.store.get_session(self.name)
            first, last = self._first, self._last
            if not self.created:
                first = min(first, row.started_at) if row.started_at else first
                last = max(last, row.ended_at) if row.ended_at else last
            self.store.update_session(self.name, started_at=first, ended_at=last)
        if self.created:
            return
        row = self.store.get_session(self.name)
        meta = dict(row.meta or {})
        meta["imports"] = list(meta.get("imports", [])) + [self.source]
        self.store.update_session(self.name, meta=meta)
        if self.app and row.app_id is None:
            self.store.set_session_app(self.name, *self.app)


def store_flows(target: SessionTarget, flows: Sequence[FlowRecord], result: ImportResult) -> None:
    target.saw(*(t for f in flows for t in (f.ts_start, f.ts_end)))
    for i in range(0, len(flows), FLOW_BATCH):
        batch = list(flows[i : i + FLOW_BATCH])
        target.store.add_flows(target.session_id, batch)
        result.flows += len(batch)
        result.flows_with_warnings += sum(1 for f in batch if f.meta.get("warnings"))


def store_events(target: SessionTarget, events: Sequence[Event], result: ImportResult) -> None:
    if not events:
        return
    target.saw(*(from_epoch_ms(e.ts) for e in events))
    target.store.add_events(target.session_id, list(events), origin="import")
    result.events += len(events)
    result.unknown_events += sum(1 for e in events if isinstance(e, UnknownEvent))


def finish_import(target: SessionTarget, events: Sequence[Event], result: ImportResult) -> ImportResult:
    """Store the events, make sure the session exists (an empty file still gives the session
    the user asked for) and record the import in its history."""
    store_events(target, events, result)
    target.session_id
    target.note_import()
    return result
