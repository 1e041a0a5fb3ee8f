"""Manual consent marks you can trust: checked against the session, listed, deleted, audited.

A manual mark (``consentry mark consent ...``) decides phases as much as a recorded
dialog click does, so a wrong one silently flips verdicts. A mark is refused when it is

* outside the session's span (from the earliest to the latest of its start, end and
  recorded flows and events; no limit while nothing is recorded), beyond a tolerance of max(1 s, the clock uncertainty); or
  (below, times are compared within max(5 ms, the clock uncertainty))
* a decision (granted/refused/withdrawn) before the first recorded consent dialog; or
* a decision that contradicts the recorded consent events: another decision is in effect
  at that time, or the same decision is recorded at another time (a mark cannot move a
  recorded grant earlier).

``force=True`` stores it anyway, marked ``forced`` with the reason, and reports flag it.
Every create and delete is written to ``mark_audit`` (who, when, what).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from analyzer.models.events import ConsentEvent
from analyzer.store import models as m
from analyzer.store.db import StoreError
from analyzer.store.models_evidence import MarkAudit
from analyzer.store.types import from_epoch_ms, to_epoch_ms, utcnow

DECISIONS = ("granted", "refused", "withdrawn")
MIN_TOLERANCE_MS = 1000.0  # around the session's span
NEAR_MS = 5.0  # around recorded consent events (plus the clock uncertainty)
USER_ENV = "CONSENTRY_USER"


class MarkRefused(StoreError):
    """The mark contradicts the session; the message says how (one line)."""


@dataclass(frozen=True)
class MarkRow:
    id: str
    seq: int
    ts: dt.datetime
    action: str
    note: str | None
    forced: bool
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seq": self.seq, "ts": self.ts.isoformat(timespec="milliseconds"), "action": self.action,
                "note": self.note, "forced": self.forced, "forced_reason": self.reason}


def current_user(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    try:
        return os.environ.get(USER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _span(s, session: m.Session) -> tuple[dt.datetime | None, dt.datetime | None]:
    """From the earliest to the latest of: the session's start/end and its recorded flows
    and events (an imported capture's data may predate the session row)."""
    flows = s.execute(select(func.min(m.Flow.ts_start), func.max(m.Flow.ts_start)).where(m.Flow.session_id == session.id)).one()
    events = s.execute(
        select(func.min(m.Event.ts), func.max(m.Event.ts)).where(m.Event.session_id == session.id, m.Event.origin != "manual")
    ).one()
    if flows[0] is None and events[0] is None:
        return None, None  # nothing recorded yet (marks taken first, traffic imported later)
    lows = [t for t in (session.started_at, flows[0], events[0]) if t is not None]
    highs = [t for t in (session.ended_at, flows[1], events[1]) if t is not None]
    if session.status == "recording":
        highs.append(utcnow())
    return (min(lows) if lows else None), (max(highs) if highs else None)


def _recorded_consent(s, session_id) -> list[tuple[float, str]]:
    rows = s.scalars(
        select(m.Event).where(m.Event.session_id == session_id, m.Event.type == "consent", m.Event.origin != "manual")
        .order_by(m.Event.ts, m.Event.seq)
    )
    return [(to_epoch_ms(r.ts), str((r.data or {}).get("action"))) for r in rows]


def check_mark(s, session: m.Session, action: str, when: dt.datetime) -> str | None:
    """Why this mark cannot be trusted, or None."""
    tolerance = max(MIN_TOLERANCE_MS, float(session.clock_uncertainty_ms or 0.0))
    t = to_epoch_ms(when)
    start, end = _span(s, session)
    if start is not None and t < to_epoch_ms(start) - tolerance:
        return f"{when.isoformat(timespec='milliseconds')} is before the session started ({start.isoformat(timespec='milliseconds')})"
    if end is not None and t > to_epoch_ms(end) + tolerance:
        return f"{when.isoformat(timespec='milliseconds')} is after the session ended ({end.isoformat(timespec='milliseconds')})"
    if action not in DECISIONS:
        return None
    # Decisions are compared at the clock's precision, not the span's second of slack.
    tolerance = max(NEAR_MS, float(session.clock_uncertainty_ms or 0.0))
    recorded = _recorded_consent(s, session.id)
    shown = [ts for ts, a in recorded if a == "shown"]
    if shown and t < shown[0] - tolerance:
        return f"a {action} mark before the consent dialog was first shown ({from_epoch_ms(shown[0]).isoformat(timespec='milliseconds')})"
    decisions = [(ts, a) for ts, a in recorded if a in DECISIONS]
    in_effect = [(ts, a) for ts, a in decisions if ts <= t + tolerance]
    if in_effect and in_effect[-1][1] != action and abs(in_effect[-1][0] - t) > tolerance:
        ts, a = in_effect[-1]
        return f"the recorded consent events say {a} at {from_epoch_ms(ts).isoformat(timespec='milliseconds')}"
    same = [ts for ts, a in decisions if a == action]
    if same and all(abs(ts - t) > tolerance for ts in same):
        return f"the recorded consent events put {action} at {from_epoch_ms(same[0]).isoformat(timespec='milliseconds')}"
    later = [(ts, a) for ts, a in decisions if ts > t + tolerance]
    if later and not in_effect and later[0][1] != action:
        ts, a = later[0]
        return f"the first recorded decision is {a} at {from_epoch_ms(ts).isoformat(timespec='milliseconds')}"
    return None


def add_consent_mark(store, session_name: str, action: str, when: dt.datetime, *, note: str | None = None,
                     force: bool = False, who: str | None = None) -> MarkRow:
    """Check, store and audit a manual consent mark; MarkRefused unless it can be trusted or forced."""
    user = current_user(who)
    with store.session() as s:
        session = s.scalar(select(m.Session).where(m.Session.name == session_name))
        if session is None:
            raise StoreError(f"unknown session {session_name!r}")
        reason = check_mark(s, session, action, when)
        if reason and not force:
            raise MarkRefused(f"mark refused: {reason} (use --force to record it anyway; reports will flag it)")
        extra: dict[str, Any] = {"forced": True, "forced_reason": reason} if reason else {}
        data = ConsentEvent(ts=to_epoch_ms(when), action=action, source="manual", text=note, **extra).to_json()
        seq = (s.scalar(select(func.max(m.Event.seq)).where(m.Event.session_id == session.id)) or 0) + 1
        event = m.Event(session_id=session.id, seq=seq, type="consent", ts_source_ms=to_epoch_ms(when), ts=when,
                        received_at=utcnow(), origin="manual", data=data)
        s.add(event)
        s.flush()
        s.add(MarkAudit(session_id=session.id, mark_id=event.id, change="forced" if reason else "created", who=user,
                        what={"seq": seq, "ts": when.isoformat(), "data": data, "reason": reason}))
        return _row(event)


def _row(event: m.Event) -> MarkRow:
    data = event.data or {}
    return MarkRow(str(event.id), event.seq, event.ts, str(data.get("action")), data.get("text"),
                   bool(data.get("forced")), data.get("forced_reason"))


def list_marks(store, session_id) -> list[MarkRow]:
    with store.session() as s:
        rows = s.scalars(select(m.Event).where(m.Event.session_id == session_id, m.Event.origin == "manual")
                         .order_by(m.Event.ts, m.Event.seq))
        return [_row(r) for r in rows]


def resolve_mark(marks: list[MarkRow], prefix: str) -> MarkRow:
    """The mark whose id starts with prefix (ids print shortened to a unique prefix)."""
    prefix = prefix.strip().lower()
    hits = [mk for mk in marks if mk.id.startswith(prefix)] if prefix else []
    if not hits:
        raise StoreError(f"no mark {prefix!r} in this session (see `consentry mark list`)")
    if len(hits) > 1:
        raise StoreError(f"mark id {prefix!r} is ambiguous: {', '.join(h.id[:12] for h in hits)}")
    return hits[0]


def delete_mark(store, session_id, mark_id: str, *, who: str | None = None) -> MarkRow:
    """Delete a manual mark; the audit keeps what it was."""
    user = current_user(who)
    with store.session() as s:
        event = s.get(m.Event, uuid.UUID(mark_id))
        if event is None or event.session_id != session_id or event.origin != "manual":
            raise StoreError(f"no manual mark {mark_id}")
        row = _row(event)
        s.add(MarkAudit(session_id=session_id, mark_id=event.id, change="deleted", who=user,
                        what={"seq": event.seq, "ts": event.ts.isoformat(), "data": event.data}))
        s.execute(delete(m.Event).where(m.Event.id == event.id))
        return row


def audit_trail(store, session_id) -> list[dict[str, Any]]:
    with store.session() as s:
        rows = s.scalars(select(MarkAudit).where(MarkAudit.session_id == session_id).order_by(MarkAudit.at, MarkAudit.id))
        return [{"mark_id": str(r.mark_id), "change": r.change, "who": r.who, "at": r.at.isoformat(timespec="milliseconds"),
                 "action": (r.what or {}).get("data", {}).get("action"), "ts": (r.what or {}).get("ts"),
                 "reason": (r.what or {}).get("reason")} for r in rows]
