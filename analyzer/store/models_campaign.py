"""Campaign tables: a campaign is apps × consent plans, one job per pair.

A job's row is also its claim: ``state='running'`` with a ``heartbeat_at`` that the
station renews; a station that stops renewing (killed, unplugged) loses the claim once
``lease_expires_at`` passes, and the job's next delivery runs it again. Every session a
job ran (finished, interrupted, crashed) is linked in ``campaign_job_sessions``; the
one that counts is ``campaign_jobs.session_id``. ``campaign_app_leases`` keeps one app
on one device at a time (see docs/campaigns.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from analyzer.store.models import Base
from analyzer.store.types import utcnow

# pending: created, not sent to any device yet; queued: sent (broker or local queue);
# running: a station holds it; analysing: recorded, analysis/report pending;
# finished | failed | cancelled: final.
JOB_STATES = ("pending", "queued", "running", "analysing", "finished", "failed", "cancelled")
FINAL_JOB_STATES = ("finished", "failed", "cancelled")


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    plans: Mapped[list[Any]] = mapped_column(default=list)
    duration_s: Mapped[float | None] = mapped_column(Float)
    device_model: Mapped[str | None] = mapped_column(String(128))  # None: any device
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    same_app_parallel: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # dialog timeout, reports dir, ...
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column()


class CampaignJob(Base):
    __tablename__ = "campaign_jobs"
    __table_args__ = (
        UniqueConstraint("campaign_id", "app", "app_version", "plan", name="uq_campaign_jobs_app_plan"),
        Index("ix_campaign_jobs_campaign_state", "campaign_id", "state"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    app: Mapped[str] = mapped_column(String(1024))  # package / lab scenario, or the APK path
    apk_path: Mapped[str | None] = mapped_column(Text)
    app_version: Mapped[str] = mapped_column(String(64), default="")
    app_key: Mapped[str] = mapped_column(String(1024))  # what the app lease locks
    plan: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    station: Mapped[str | None] = mapped_column(String(255))
    claim_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column()
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # verdict, findings by rule, SDKs, report
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column()
    started_at: Mapped[dt.datetime | None] = mapped_column()
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class CampaignJobSession(Base):
    """Every session an attempt of a job recorded, whatever became of it."""

    __tablename__ = "campaign_job_sessions"
    __table_args__ = (UniqueConstraint("session_name", name="uq_campaign_job_sessions_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaign_jobs.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    station: Mapped[str] = mapped_column(String(255))
    session_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CampaignAppLease(Base):
    """One app on one device at a time: the row exists while a station tests the app."""

    __tablename__ = "campaign_app_leases"
    app_key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    station: Mapped[str] = mapped_column(String(255))
    token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column()
