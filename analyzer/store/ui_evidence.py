"""Store and read the UI evidence of a session (dumps and screenshots around consent taps).

Blobs are content-addressed (sha256 of the bytes, stored once across sessions, like flow
bodies); a session's rows are deleted with it and blobs no other session uses go too.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as OrmSession

from analyzer.store.models_ui import UiBlob, UiEvidence

MEDIA_TYPES = {"dump": "application/xml", "screenshot": "image/png"}
MAX_BLOB_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class EvidenceRow:
    seq: int
    step: int
    phase: str
    kind: str
    purpose: str
    sha256: str
    media_type: str
    size: int
    device_ts_ms: float
    node: dict[str, Any] | None


def add_ui_evidence(store, session_id: uuid.UUID, *, step: int, phase: str, kind: str, data: bytes,
                    device_ts_ms: float, purpose: str, node: dict[str, Any] | None = None) -> str:
    """Store one dump or screenshot of a consent step; returns its sha256."""
    if kind not in MEDIA_TYPES:
        raise ValueError(f"unknown UI evidence kind {kind!r}")
    if len(data) > MAX_BLOB_BYTES:
        raise ValueError(f"UI {kind} larger than {MAX_BLOB_BYTES} bytes")
    sha = hashlib.sha256(data).hexdigest()

    def work(s: OrmSession) -> str:
        if s.get(UiBlob, sha) is None:
            s.add(UiBlob(sha256=sha, media_type=MEDIA_TYPES[kind], size=len(data), data=data))
            s.flush()
        seq = (s.scalar(select(func.max(UiEvidence.seq)).where(UiEvidence.session_id == session_id)) or 0) + 1
        s.add(UiEvidence(session_id=session_id, seq=seq, step=step, phase=phase, kind=kind, purpose=purpose,
                         blob_sha=sha, device_ts_ms=float(device_ts_ms), node=node))
        return sha

    return store._retrying(work)


def ui_evidence(store, session_id: uuid.UUID) -> list[EvidenceRow]:
    with store.session() as s:
        rows = s.execute(
            select(UiEvidence, UiBlob.media_type, UiBlob.size).join(UiBlob, UiBlob.sha256 == UiEvidence.blob_sha)
            .where(UiEvidence.session_id == session_id).order_by(UiEvidence.seq)
        ).all()
    return [EvidenceRow(r.seq, r.step, r.phase, r.kind, r.purpose, r.blob_sha, media_type, size, r.device_ts_ms, r.node)
            for r, media_type, size in rows]


def ui_blob(store, sha: str) -> bytes:
    with store.session() as s:
        blob = s.get(UiBlob, sha)
        return bytes(blob.data) if blob is not None else b""


def delete_orphan_ui_blobs(s: OrmSession, session_id: uuid.UUID) -> None:
    """Before a session row goes: drop its evidence and the blobs only it used."""
    shas = set(s.scalars(select(UiEvidence.blob_sha).where(UiEvidence.session_id == session_id)))
    s.execute(delete(UiEvidence).where(UiEvidence.session_id == session_id))
    if not shas:
        return
    used = set(s.scalars(select(UiEvidence.blob_sha).where(UiEvidence.blob_sha.in_(sorted(shas)))))
    orphans = sorted(shas - used)
    for i in range(0, len(orphans), 500):
        s.execute(delete(UiBlob).where(UiBlob.sha256.in_(orphans[i : i + 500])))


def evidence_sink(store, session_id: uuid.UUID):
    """The consent driver's evidence sink writing into this session."""

    def sink(step: int, phase: str, snap, purpose: str, node: dict[str, Any] | None) -> dict[str, str]:
        refs: dict[str, str] = {}
        if snap.xml:
            refs["dump"] = add_ui_evidence(store, session_id, step=step, phase=phase, kind="dump",
                                           data=snap.xml.encode("utf-8"), device_ts_ms=snap.device_ts_ms,
                                           purpose=purpose, node=node)
        if snap.png:
            refs["screenshot"] = add_ui_evidence(store, session_id, step=step, phase=phase, kind="screenshot",
                                                 data=snap.png, device_ts_ms=snap.device_ts_ms, purpose=purpose,
                                                 node=node)
        return refs

    return sink


UI_FIELDS = ("via", "matched", "node", "evidence")
MAX_REPORT_IMAGES = 24
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def consent_ui_details(store, session_id: uuid.UUID) -> dict[int, dict[str, Any]]:
    """Event seq -> what the consent driver recorded with that consent event (via, matched, node, evidence)."""
    from analyzer.store.models import Event

    with store.session() as s:
        rows = s.execute(select(Event.seq, Event.data).where(Event.session_id == session_id, Event.type == "consent")).all()
    out: dict[int, dict[str, Any]] = {}
    for seq, data in rows:
        picked = {k: data[k] for k in UI_FIELDS if isinstance(data, dict) and data.get(k) is not None}
        if picked:
            out[seq] = picked
    return out


def mark_screenshot_sha(evidence: dict[str, Any] | None) -> str | None:
    """The screenshot that shows a consent mark's screen: as first seen, else just before the tap."""
    if not isinstance(evidence, dict):
        return None
    for key in ("shown", "before"):
        refs = evidence.get(key)
        if isinstance(refs, dict) and isinstance(refs.get("screenshot"), str):
            return refs["screenshot"]
    return None


def consent_screenshots(store, marks) -> dict[str, bytes]:
    """sha256 -> PNG of the screenshots the consent marks point at (real PNGs only)."""
    out: dict[str, bytes] = {}
    for mark in marks:
        sha = mark_screenshot_sha(getattr(mark, "evidence", None))
        if sha is None or sha in out or len(out) >= MAX_REPORT_IMAGES:
            continue
        data = ui_blob(store, sha)
        if data.startswith(PNG_MAGIC):
            out[sha] = data
    return out
