"""Triage tables: reviewers' marks on findings, store-wide suppression rules, the audit log.

Marks hang off the session and the finding's stable key (analyzer/triage/keys.py), not
off a findings row: every analysis run writes new rows, and a mark must outlive them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from analyzer.store.models import Base
from analyzer.store.types import utcnow


class TriageMark(Base):
    """A reviewer's verdict on one finding of one session (the latest one wins)."""

    __tablename__ = "triage_marks"
    __table_args__ = (UniqueConstraint("session_id", "finding_key", name="uq_triage_marks_session_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    finding_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # confirmed | false_positive | accepted_risk
    reason: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # what the finding was when marked (rule, pii_type, host, url): readable after re-analysis
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SuppressionRule(Base):
    """A store-wide rule: findings matching every non-empty field get STATE.

    ``host`` matches the host and its subdomains; ``app_package`` limits the rule to one
    app (every version). "host X is first party for app Y" is a rule with both set.
    """

    __tablename__ = "triage_suppressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_package: Mapped[str | None] = mapped_column(String(255))
    host: Mapped[str | None] = mapped_column(String(255))
    rule: Mapped[str | None] = mapped_column(String(64))
    pii_type: Mapped[str | None] = mapped_column(String(32))
    sdk: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TriageAudit(Base):
    """Who changed what, when: one row per mark, unmark, suppress or unsuppress."""

    __tablename__ = "triage_audit"
    __table_args__ = (Index("ix_triage_audit_session", "session_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))  # mark | unmark | suppress | unsuppress
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    session_name: Mapped[str | None] = mapped_column(String(255))
    finding_key: Mapped[str | None] = mapped_column(String(64))
    suppression_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
