"""Bodies: request, response and websocket payloads stored once by SHA-256, capped in size."""

from __future__ import annotations

import hashlib
import os
import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from analyzer.store import models as m
from analyzer.store.bulk import insert_rows
from analyzer.store.db import StoreError

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
_BODIES = m.Body.__table__
_LOOKUP_BODIES_FROM = 4096  # bytes; see BlobsMixin._put_bodies


def max_body_from_env() -> int:
    raw = os.environ.get("CONSENTRY_MAX_BODY_BYTES")
    if not raw:
        return DEFAULT_MAX_BODY_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise StoreError(f"CONSENTRY_MAX_BODY_BYTES is not a whole number: {raw!r}") from None
    if value < 0:
        raise StoreError("CONSENTRY_MAX_BODY_BYTES must be >= 0")
    return value


class BlobsMixin:
    max_body_bytes: int

    def _cap(self, data: bytes) -> tuple[bytes, bool]:
        if self.max_body_bytes and len(data) > self.max_body_bytes:
            return data[: self.max_body_bytes], True
        return data, False

    def _body_sha(self, data: bytes, bodies: dict[str, bytes]) -> tuple[str | None, bool]:
        """(sha256 of the stored bytes or None when empty, cut by the store's cap)."""
        data, cut = self._cap(data)
        if not data:
            return None, cut
        sha = hashlib.sha256(data).hexdigest()  # hashlib drops the GIL for large bodies
        bodies.setdefault(sha, data)
        return sha, cut

    @staticmethod
    def _put_bodies(s: OrmSession, by_sha: dict[str, bytes]) -> None:
        """Insert each blob (keyed by its sha256) unless the store already has it."""
        if not by_sha:
            return
        # Large blobs are looked up first, so a repeated one is not shipped to the
        # database again; small ones go straight to an insert that skips duplicates.
        large = [sha for sha, blob in by_sha.items() if len(blob) >= _LOOKUP_BODIES_FROM]
        existing: set[str] = set()
        for i in range(0, len(large), 500):
            existing.update(s.scalars(select(m.Body.sha256).where(m.Body.sha256.in_(large[i : i + 500]))))
        rows = [{"sha256": sha, "size": len(blob), "data": blob} for sha, blob in by_sha.items() if sha not in existing]
        insert_rows(s.connection(), _BODIES, rows)

    def body(self, sha: str | None) -> bytes:
        if not sha:
            return b""
        with self.session() as s:  # type: ignore[attr-defined]
            data = s.scalar(select(m.Body.data).where(m.Body.sha256 == sha))
        return bytes(data) if data is not None else b""

    @staticmethod
    def _session_body_shas(s: OrmSession, session_id: uuid.UUID) -> list[str]:
        flows = select(m.Flow.request_body_sha, m.Flow.response_body_sha).where(m.Flow.session_id == session_id)
        shas = {sha for pair in s.execute(flows) for sha in pair if sha}
        ws = select(m.WebSocketMessage.body_sha).join(m.Flow, m.Flow.id == m.WebSocketMessage.flow_id).where(
            m.Flow.session_id == session_id
        )
        shas.update(sha for sha in s.scalars(ws) if sha)
        return sorted(shas)

    @staticmethod
    def _used_body_shas(s: OrmSession, shas: list[str]) -> set[str]:
        used: set[str] = set()
        for i in range(0, len(shas), 500):
            chunk = shas[i : i + 500]
            used.update(s.scalars(select(m.Flow.request_body_sha).where(m.Flow.request_body_sha.in_(chunk))))
            used.update(s.scalars(select(m.Flow.response_body_sha).where(m.Flow.response_body_sha.in_(chunk))))
            used.update(s.scalars(select(m.WebSocketMessage.body_sha).where(m.WebSocketMessage.body_sha.in_(chunk))))
        return used

    def _delete_orphan_bodies(self, s: OrmSession, shas: list[str]) -> None:
        """Delete the bodies among ``shas`` that no flow or websocket message points to any more."""
        still_used = self._used_body_shas(s, shas)
        orphans = [sha for sha in shas if sha not in still_used]
        for i in range(0, len(orphans), 500):
            s.execute(delete(m.Body).where(m.Body.sha256.in_(orphans[i : i + 500])))
