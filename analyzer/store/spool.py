"""A bounded on-disk spool for records the store cannot take right now.

When the store is away (PostgreSQL restarting, the network to it down) the writer puts
each batch here instead of dropping it, and writes the spooled batches back, oldest
first, once the store answers again. A batch is one file, written to a temporary name,
flushed to disk and renamed, so a crash leaves either the whole batch or nothing. The
spool has a size limit: past it, the writer reports the store as failed and the proxy
stops forwarding (docs/capture.md, "When the store fails").
"""

from __future__ import annotations

import os
import pickle
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_SUFFIX = ".batch"


class SpoolFull(Exception):
    """The spool would pass its size limit (or the disk under it is full)."""


@dataclass(frozen=True)
class SpooledBatch:
    path: Path
    flows: list[Any]
    events: list[Any]


class Spool:
    def __init__(self, directory: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._counter = 0

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.suffix == _SUFFIX)

    def size(self) -> int:
        total = 0
        for p in self._files():
            try:
                total += p.stat().st_size
            except FileNotFoundError:
                pass
        return total

    def __len__(self) -> int:
        return len(self._files())

    def put(self, flows: list[Any], events: list[Any]) -> Path:
        """Write one batch durably; raises SpoolFull past the limit or when the disk is full."""
        data = pickle.dumps((list(flows), list(events)), protocol=pickle.HIGHEST_PROTOCOL)
        if self.size() + len(data) > self.max_bytes:
            raise SpoolFull(f"spool {self.directory} would pass its limit of {self.max_bytes} bytes")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        # names sort in arrival order: time, then a per-process counter
        name = f"{os.times().elapsed:020.6f}-{os.getpid()}-{self._counter:08d}-{uuid.uuid4().hex[:8]}"
        final = self.directory / f"{name}{_SUFFIX}"
        tmp = final.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise SpoolFull(f"cannot write to the spool {self.directory}: {exc.strerror or exc}") from None
        return final

    def batches(self) -> Iterator[SpooledBatch]:
        """Spooled batches, oldest first; delete each with ``done`` once it is stored."""
        for path in self._files():
            try:
                with open(path, "rb") as fh:
                    flows, events = pickle.load(fh)  # our own files, in a directory only we write
            except FileNotFoundError:
                continue
            yield SpooledBatch(path, flows, events)

    @staticmethod
    def done(batch: SpooledBatch) -> None:
        batch.path.unlink(missing_ok=True)
