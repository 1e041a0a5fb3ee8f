"""Store tables of the evidence features: the audit trail of manual consent marks.

Same ``Base`` as analyzer.store.models, so one metadata and one migration history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from analyzer.store.models import Base
from analyzer.store.types import utcnow


class MarkAudit(Base):
    """One change to a session's manual marks: who, when, what (the mark as it was stored)."""

    __tablename__ = "mark_audit"
    __table_args__ = (Index("ix_mark_audit_session", "session_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    mark_id: Mapped[uuid.UUID] = mapped_column()  # the event's id (kept after the mark is deleted)
    change: Mapped[str] = mapped_column(String(16))  # created | forced | deleted
    who: Mapped[str] = mapped_column(String(255))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    what: Mapped[dict[str, Any]] = mapped_column(default=dict)  # seq, ts, data, reason
