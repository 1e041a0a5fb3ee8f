"""Campaign and job state in the store: creation, claims, leases, attempts, outcomes.

Every transition is one conditional UPDATE (or INSERT) in one transaction, so two stations
racing for the same job or the same app cannot both win, on SQLite and PostgreSQL alike.
Times are the stations' clocks (UTC); leases are much longer than any sane clock skew.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from analyzer.campaign.spec import AppLine, CampaignInputError, validate_campaign_name
from analyzer.store import StoreError
from analyzer.store import models as m
from analyzer.store.models_campaign import FINAL_JOB_STATES, JOB_STATES, Campaign, CampaignAppLease, CampaignJob, CampaignJobSession
from analyzer.store.types import utcnow


class CampaignNotFound(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no campaign named {name!r} (see `consentry campaign list`)")


# -- campaigns ---------------------------------------------------------------------------
def create_campaign(
    store,
    name: str,
    apps: Sequence[AppLine],
    plans: Sequence[str],
    *,
    duration_s: float | None = None,
    device_model: str | None = None,
    max_attempts: int = 3,
    same_app_parallel: bool = False,
    options: dict[str, Any] | None = None,
) -> Campaign:
    """One job per app × plan, all ``pending``; nothing is queued yet."""
    validate_campaign_name(name)
    with store.session() as s:
        if s.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
            raise CampaignInputError(f"a campaign named {name!r} already exists")
        campaign = Campaign(
            name=name, plans=list(plans), duration_s=duration_s, device_model=device_model or None,
            max_attempts=max_attempts, same_app_parallel=same_app_parallel, options=dict(options or {}),
        )
        s.add(campaign)
        s.flush()
        ordinal = 0
        for app in apps:
            for plan in plans:
                ordinal += 1
                s.add(CampaignJob(
                    campaign_id=campaign.id, ordinal=ordinal, app=app.app, apk_path=app.apk_path,
                    app_version=app.version, app_key=app.key, plan=plan, state="pending", result={},
                ))
    return get_campaign(store, name)


def get_campaign(store, name: str) -> Campaign:
    with store.session() as s:
        row = s.scalar(select(Campaign).where(Campaign.name == name))
    if row is None:
        raise CampaignNotFound(name)
    return row


def campaign_of_job(store, job: CampaignJob) -> Campaign:
    with store.session() as s:
        return s.get(Campaign, job.campaign_id)


def list_campaigns(store) -> list[tuple[Campaign, dict[str, int]]]:
    with store.session() as s:
        campaigns = list(s.scalars(select(Campaign).order_by(Campaign.created_at, Campaign.name)))
        counts: dict[uuid.UUID, dict[str, int]] = {}
        for cid, state, n in s.execute(
            select(CampaignJob.campaign_id, CampaignJob.state, func.count()).group_by(CampaignJob.campaign_id, CampaignJob.state)
        ):
            counts.setdefault(cid, {})[state] = n
    return [(c, counts.get(c.id, {})) for c in campaigns]


def jobs_of(store, campaign: Campaign, states: Sequence[str] | None = None) -> list[CampaignJob]:
    with store.session() as s:
        q = select(CampaignJob).where(CampaignJob.campaign_id == campaign.id)
        if states:
            q = q.where(CampaignJob.state.in_(list(states)))
        return list(s.scalars(q.order_by(CampaignJob.ordinal)))


def get_job(store, job_id: uuid.UUID | str) -> CampaignJob | None:
    with store.session() as s:
        return s.get(CampaignJob, _uuid(job_id))


def state_counts(store, campaign: Campaign) -> dict[str, int]:
    with store.session() as s:
        rows = s.execute(
            select(CampaignJob.state, func.count()).where(CampaignJob.campaign_id == campaign.id).group_by(CampaignJob.state)
        )
        found = dict(rows.all())
    return {state: found.get(state, 0) for state in JOB_STATES}


def job_sessions(store, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[CampaignJobSession, str | None]]]:
    """Per job, every session its attempts recorded with that session's status (None: never created)."""
    out: dict[uuid.UUID, list[tuple[CampaignJobSession, str | None]]] = {}
    with store.session() as s:
        for i in range(0, len(job_ids), 500):
            chunk = list(job_ids[i : i + 500])
            q = (select(CampaignJobSession, m.Session.status)
                 .outerjoin(m.Session, m.Session.name == CampaignJobSession.session_name)
                 .where(CampaignJobSession.job_id.in_(chunk)).order_by(CampaignJobSession.id))
            for link, status in s.execute(q):
                out.setdefault(link.job_id, []).append((link, status))
    return out


def mark_queued(store, job_ids: Sequence[uuid.UUID]) -> int:
    """pending -> queued (the jobs were handed to the broker or a local queue)."""
    with store.session() as s:
        res = s.execute(update(CampaignJob).where(CampaignJob.id.in_(list(job_ids)), CampaignJob.state == "pending")
                        .values(state="queued", queued_at=utcnow()))
        return res.rowcount or 0


def retry_failed(store, campaign: Campaign) -> int:
    """failed -> pending with a fresh attempt budget; earlier sessions stay linked."""
    if campaign.status == "cancelled":
        raise CampaignInputError(f"campaign {campaign.name!r} is cancelled")
    with store.session() as s:
        res = s.execute(update(CampaignJob).where(CampaignJob.campaign_id == campaign.id, CampaignJob.state == "failed")
                        .values(state="pending", attempts=0, error=None, station=None, claim_token=None,
                                lease_expires_at=None, finished_at=None))
        return res.rowcount or 0


def cancel_campaign(store, campaign: Campaign) -> dict[str, int]:
    """Jobs not started are cancelled now; running ones are stopped by their station's next heartbeat."""
    now = utcnow()
    with store.session() as s:
        s.execute(update(Campaign).where(Campaign.id == campaign.id).values(status="cancelled", cancelled_at=now))
        res = s.execute(update(CampaignJob).where(CampaignJob.campaign_id == campaign.id,
                                                 CampaignJob.state.in_(["pending", "queued"]))
                        .values(state="cancelled", finished_at=now))
        stopping = s.scalar(select(func.count()).select_from(CampaignJob).where(
            CampaignJob.campaign_id == campaign.id, CampaignJob.state == "running"))
    return {"cancelled": res.rowcount or 0, "stopping": stopping or 0}


# -- claims and leases ----------------------------------------------------------------------
@dataclass
class Claim:
    """What a station may do with a delivered job."""

    outcome: str  # run | analyse | final | busy | app_busy | cancelled
    job: CampaignJob | None = None
    campaign: Campaign | None = None
    attempt: int = 0
    holder: str | None = None  # busy / app_busy: who holds it
    interrupted: list[str] = field(default_factory=list)  # sessions of dead attempts, now marked interrupted


def claim_job(store, job_id: uuid.UUID | str, station: str, token: str, ttl_s: float) -> Claim:
    """Take a job for this station: the job's claim and the app's lease in one transaction."""
    job_id = _uuid(job_id)
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl_s)
    with store.session() as s:
        job = s.get(CampaignJob, job_id)
        if job is None:
            return Claim("final")  # the campaign was deleted: nothing to do
        campaign = s.get(Campaign, job.campaign_id)
        if job.state in FINAL_JOB_STATES:
            return Claim("final", job, campaign)
        if campaign.status == "cancelled":
            s.execute(update(CampaignJob).where(CampaignJob.id == job_id, CampaignJob.state.in_(["pending", "queued"]))
                      .values(state="cancelled", finished_at=now))
            return Claim("cancelled", job, campaign)
        if job.state == "analysing":
            return Claim("analyse", job, campaign)
        if job.state == "running" and job.lease_expires_at and job.lease_expires_at > now:
            return Claim("busy", job, campaign, holder=job.station)
        if not campaign.same_app_parallel:
            holder = _take_app_lease(s, job, station, token, now, expires)
            if holder is not None:
                return Claim("app_busy", job, campaign, holder=holder)
        attempt = job.attempts + 1  # read before the UPDATE refreshes the loaded row
        last_sign_of_life = job.heartbeat_at
        res = s.execute(
            update(CampaignJob)
            .where(CampaignJob.id == job_id, or_(
                CampaignJob.state.in_(["pending", "queued"]),
                (CampaignJob.state == "running") & (CampaignJob.lease_expires_at <= now),
            ))
            .values(state="running", station=station, claim_token=token, attempts=CampaignJob.attempts + 1,
                    started_at=now, heartbeat_at=now, lease_expires_at=expires, error=None)
        )
        if not res.rowcount:
            raise _LostRace()
    interrupted = interrupt_dead_attempts(store, job_id, last_sign_of_life)
    return Claim("run", get_job(store, job_id), campaign, attempt=attempt, interrupted=interrupted)


class _LostRace(Exception):
    pass


def claim(store, job_id, station: str, token: str, ttl_s: float) -> Claim:
    """claim_job, where losing a race to another station reads as ``busy``."""
    try:
        return claim_job(store, job_id, station, token, ttl_s)
    except (_LostRace, IntegrityError):
        return Claim("busy")


def _take_app_lease(s, job: CampaignJob, station: str, token: str, now: dt.datetime, expires: dt.datetime) -> str | None:
    """None when this job now holds the app's lease, else who holds it."""
    lease = s.get(CampaignAppLease, job.app_key)
    if lease is None:
        s.add(CampaignAppLease(app_key=job.app_key, job_id=job.id, station=station, token=token, expires_at=expires))
        s.flush()  # a concurrent insert fails here (primary key), not at commit
        return None
    res = s.execute(update(CampaignAppLease)
                    .where(CampaignAppLease.app_key == job.app_key,
                           or_(CampaignAppLease.expires_at <= now, CampaignAppLease.token == token))
                    .values(job_id=job.id, station=station, token=token, expires_at=expires))
    return None if res.rowcount else lease.station


def heartbeat(store, job_id: uuid.UUID, token: str, ttl_s: float) -> str:
    """Renew the job's claim and its app lease; returns ``ok``, ``cancelled`` or ``lost``."""
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl_s)
    with store.session() as s:
        res = s.execute(update(CampaignJob)
                        .where(CampaignJob.id == job_id, CampaignJob.claim_token == token, CampaignJob.state == "running")
                        .values(heartbeat_at=now, lease_expires_at=expires))
        if not res.rowcount:
            return "lost"
        s.execute(update(CampaignAppLease).where(CampaignAppLease.token == token).values(expires_at=expires))
        status = s.scalar(select(Campaign.status).join(CampaignJob, CampaignJob.campaign_id == Campaign.id)
                          .where(CampaignJob.id == job_id))
    return "cancelled" if status == "cancelled" else "ok"


def release_app_lease(store, token: str) -> None:
    with store.session() as s:
        _drop_app_lease(s, token)


def _drop_app_lease(s, token: str) -> None:
    """Every way out of 'running' frees the app for the next plan."""
    s.execute(delete(CampaignAppLease).where(CampaignAppLease.token == token))


def link_session(store, job_id: uuid.UUID, attempt: int, station: str, session_name: str) -> None:
    """Record the session an attempt is about to create, before it exists (a kill keeps the link)."""
    with store.session() as s:
        s.add(CampaignJobSession(job_id=job_id, attempt=attempt, station=station, session_name=session_name))


def interrupt_dead_attempts(store, job_id: uuid.UUID, last_heartbeat: dt.datetime | None = None) -> list[str]:
    """Sessions of earlier attempts still 'recording' belong to a dead station: mark them interrupted.

    They end at the station's last heartbeat, the last moment it was known to be alive
    (not now: the app lease lapsed long before, and another plan may have run since).
    """
    names: list[str] = []
    ended = min(last_heartbeat or utcnow(), utcnow())
    with store.session() as s:
        rows = s.execute(
            select(m.Session.id, m.Session.name, CampaignJobSession.station, CampaignJobSession.attempt)
            .join(CampaignJobSession, CampaignJobSession.session_name == m.Session.name)
            .where(CampaignJobSession.job_id == job_id, m.Session.status == "recording")
        ).all()
        for session_id, name, station, attempt in rows:
            s.execute(update(m.Session).where(m.Session.id == session_id, m.Session.status == "recording").values(
                status="interrupted", ended_at=ended,
                status_detail=f"station {station} stopped mid-session (attempt {attempt}, last heartbeat "
                              f"{ended.isoformat(timespec='seconds')}); the job ran again"))
            names.append(name)
    return names


# -- outcomes of an attempt ---------------------------------------------------------------------
def _owned(job_id: uuid.UUID, token: str):
    return (CampaignJob.id == job_id) & (CampaignJob.claim_token == token) & (CampaignJob.state == "running")


def recorded(store, job_id: uuid.UUID, token: str, session_name: str) -> bool:
    """running -> analysing: the attempt recorded a finished session, which becomes the job's."""
    session = store.get_session(session_name)
    with store.session() as s:
        res = s.execute(update(CampaignJob).where(_owned(job_id, token))
                        .values(state="analysing", session_id=session.id, heartbeat_at=utcnow(), lease_expires_at=None))
        _drop_app_lease(s, token)
        return bool(res.rowcount)


def attempt_failed(store, job_id: uuid.UUID, token: str, error: str) -> str:
    """running -> queued (attempts left) or failed; returns the new state ('' if the claim was lost)."""
    with store.session() as s:
        job = s.get(CampaignJob, job_id)
        if job is None or job.claim_token != token or job.state != "running":
            return ""
        campaign = s.get(Campaign, job.campaign_id)
        final = job.attempts >= campaign.max_attempts or campaign.status == "cancelled"
        state = ("cancelled" if campaign.status == "cancelled" else "failed") if final else "queued"
        s.execute(update(CampaignJob).where(_owned(job_id, token)).values(
            state=state, error=error[:2000], lease_expires_at=None, claim_token=None,
            finished_at=utcnow() if final else None))
        _drop_app_lease(s, token)
        return state


def attempt_cancelled(store, job_id: uuid.UUID, token: str) -> None:
    with store.session() as s:
        s.execute(update(CampaignJob).where(_owned(job_id, token)).values(
            state="cancelled", error="campaign cancelled", lease_expires_at=None, finished_at=utcnow()))
        _drop_app_lease(s, token)


def complete(store, job_id: uuid.UUID, result: dict[str, Any]) -> bool:
    """analysing -> finished with its verdict, SDKs and report path."""
    with store.session() as s:
        res = s.execute(update(CampaignJob).where(CampaignJob.id == job_id, CampaignJob.state == "analysing")
                        .values(state="finished", result=result, finished_at=utcnow(), error=None))
        return bool(res.rowcount)


def analysis_failed(store, job_id: uuid.UUID, error: str) -> None:
    with store.session() as s:
        s.execute(update(CampaignJob).where(CampaignJob.id == job_id, CampaignJob.state == "analysing")
                  .values(state="failed", error=error[:2000], finished_at=utcnow()))


# -- names -------------------------------------------------------------------------------------
def session_name_for(campaign: Campaign, job: CampaignJob, attempt: int) -> str:
    """<campaign>-<nnn>-<app>-<plan>-a<attempt>: unique, readable, a valid session name."""
    app = job.app.rsplit("/", 1)[-1].removesuffix(".apk")
    app = re.sub(r"[^A-Za-z0-9_.@=-]+", "-", app)[:60]
    return f"{campaign.name}-{job.ordinal:03d}-{app}-{job.plan}-a{attempt}"


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
