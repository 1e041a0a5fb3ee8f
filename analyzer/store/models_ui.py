"""Tables of the UI evidence: what the screen showed around every tap the consent driver made.

Dumps (uiautomator XML) and screenshots (PNG) are stored once per distinct content in
``ui_blobs`` (content-addressed, like flow bodies); ``ui_evidence`` says which session,
which step of the consent flow, before or after the tap, and the device time of the look.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from analyzer.store.models import Base
from analyzer.store.types import utcnow


class UiBlob(Base):
    __tablename__ = "ui_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))  # application/xml | image/png
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class UiEvidence(Base):
    __tablename__ = "ui_evidence"
    __table_args__ = (
        Index("ix_ui_evidence_session_step", "session_id", "step"),
        UniqueConstraint("session_id", "seq", name="uq_ui_evidence_session_seq"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)  # 0: the consent screen as first seen; 1..n: taps
    phase: Mapped[str] = mapped_column(String(16))  # shown | before | after
    kind: Mapped[str] = mapped_column(String(16))  # dump | screenshot
    purpose: Mapped[str] = mapped_column(String(32))  # shown, tick, accept, refuse, navigate, withdraw, ...
    blob_sha: Mapped[str] = mapped_column(ForeignKey("ui_blobs.sha256"))
    device_ts_ms: Mapped[float] = mapped_column(Float)  # the device clock at the look
    node: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)  # the tapped node
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
