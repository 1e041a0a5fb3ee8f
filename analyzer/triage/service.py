"""Marks, suppression rules and the audit log, over the store (docs/dashboard.md#triage)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import select

from analyzer.replay.keys import finding_host, finding_sdk
from analyzer.store import Store, StoreError
from analyzer.store import models as m
from analyzer.store.models_triage import SuppressionRule, TriageAudit, TriageMark
from analyzer.store.types import utcnow
from analyzer.triage.keys import TRIAGE_KEY_COLUMN, triage_key
from analyzer.triage.states import STATES

MAX_REASON = 2000
MIN_KEY_PREFIX = 6


class TriageError(StoreError):
    """A triage request that cannot be done; the message is one line for the user."""


@dataclass(frozen=True)
class TriageState:
    state: str
    reason: str
    author: str
    at: dt.datetime
    source: str  # mark | suppression
    suppression_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "state": self.state, "reason": self.reason, "by": self.author, "at": self.at.isoformat(),
            "source": self.source,
        }
        if self.suppression_id is not None:
            out["suppression_id"] = self.suppression_id
        return out


def check_state(state: str) -> str:
    if state not in STATES:
        raise TriageError(f"unknown triage state {state!r} (choose one of {', '.join(STATES)})")
    return state


def _check_text(reason: str, author: str) -> tuple[str, str]:
    reason, author = (reason or "").strip(), (author or "").strip()
    if not reason:
        raise TriageError("a triage mark needs a reason")
    if len(reason) > MAX_REASON:
        raise TriageError(f"the reason is longer than {MAX_REASON} characters")
    if not author or len(author) > 255:
        raise TriageError("a triage mark needs the reviewer's name (1-255 characters)")
    return reason, author


def _summary(finding: dict[str, Any]) -> dict[str, Any]:
    flow = finding.get("flow") or {}
    return {
        "rule": finding.get("rule"), "phase": finding.get("phase"), "pii_type": finding.get("pii_type"),
        "host": finding_host(finding) or None, "url": flow.get("url"), "sdk": finding_sdk(finding) or None,
    }


def _mark_json(row: TriageMark | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"state": row.state, "reason": row.reason, "by": row.author, "at": row.updated_at.isoformat()}


def _current_finding(s, session_id: uuid.UUID, key: str) -> dict[str, Any]:
    """The finding KEY (or a unique prefix of it) in the session's current analysis."""
    run_ids = select(m.AnalysisRun.id).where(m.AnalysisRun.session_id == session_id, m.AnalysisRun.is_current.is_(True))
    q = select(m.Finding.data).where(m.Finding.run_id.in_(run_ids))
    if len(key) < MIN_KEY_PREFIX:
        raise TriageError(f"finding id {key!r} is too short (give at least {MIN_KEY_PREFIX} characters)")
    exact = s.scalars(q.where(TRIAGE_KEY_COLUMN == key).limit(1)).first()
    if exact is not None:
        return exact
    found = list(s.scalars(q.where(TRIAGE_KEY_COLUMN.startswith(key, autoescape=True)).limit(2)))
    if len(found) == 1:
        return found[0]
    if found:
        raise TriageError(f"finding id prefix {key!r} is ambiguous; give more characters")
    raise TriageError(f"the current analysis of this session has no finding {key!r}")


def set_mark(store: Store, session_name: str, key: str, state: str, *, reason: str, author: str) -> dict[str, Any]:
    """Mark a finding of the session's current analysis; returns the mark as JSON."""
    check_state(state)
    reason, author = _check_text(reason, author)
    session = store.get_session(session_name)
    with store.session() as s:
        finding = _current_finding(s, session.id, key)
        fkey = triage_key(finding)
        row = s.scalar(select(TriageMark).where(TriageMark.session_id == session.id, TriageMark.finding_key == fkey))
        before = _mark_json(row)
        now = utcnow()
        if row is None:
            row = TriageMark(session_id=session.id, finding_key=fkey, created_at=now)
            s.add(row)
        row.state, row.reason, row.author, row.updated_at = state, reason, author, now
        row.summary = _summary(finding)
        s.flush()
        after = _mark_json(row)
        s.add(TriageAudit(at=now, actor=author, action="mark", session_id=session.id, session_name=session.name,
                          finding_key=fkey, before=before, after=after))
    return {"session": session.name, "finding": fkey, **(after or {})}


def clear_mark(store: Store, session_name: str, key: str, *, author: str) -> bool:
    """Remove a mark (audited); False when the finding had none."""
    _reason, author = _check_text("-", author)
    session = store.get_session(session_name)
    with store.session() as s:
        rows = list(s.scalars(select(TriageMark).where(
            TriageMark.session_id == session.id, TriageMark.finding_key.startswith(key, autoescape=True)).limit(2)))
        if len(rows) != 1:
            if len(rows) > 1:
                raise TriageError(f"finding id prefix {key!r} is ambiguous; give more characters")
            return False
        row = rows[0]
        s.add(TriageAudit(actor=author, action="unmark", session_id=session.id, session_name=session.name,
                          finding_key=row.finding_key, before=_mark_json(row), after=None))
        s.delete(row)
    return True


def list_marks(store: Store, *, session_name: str | None = None, state: str | None = None,
               limit: int = 100, after_id: int | None = None) -> list[dict[str, Any]]:
    """Marks, oldest first, a page at a time (``after_id``: the last id of the previous page)."""
    if state is not None:
        check_state(state)
    with store.session() as s:
        q = select(TriageMark, m.Session.name).join(m.Session, m.Session.id == TriageMark.session_id)
        if session_name is not None:
            q = q.where(m.Session.name == session_name)
        if state is not None:
            q = q.where(TriageMark.state == state)
        if after_id is not None:
            q = q.where(TriageMark.id > after_id)
        rows = s.execute(q.order_by(TriageMark.id).limit(limit)).all()
    return [
        {"id": r.id, "session": name, "finding": r.finding_key, "state": r.state, "reason": r.reason,
         "by": r.author, "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat(),
         "summary": r.summary}
        for r, name in rows
    ]


# -- suppression rules ---------------------------------------------------------------------


def _norm(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def suppression_json(row: SuppressionRule) -> dict[str, Any]:
    return {
        "id": row.id, "app": row.app_package, "host": row.host, "rule": row.rule, "pii_type": row.pii_type,
        "sdk": row.sdk, "state": row.state, "reason": row.reason, "by": row.author,
        "created_at": row.created_at.isoformat(), "active": row.active,
    }


def add_suppression(
    store: Store, *, state: str, reason: str, author: str, app: str | None = None, host: str | None = None,
    rule: str | None = None, pii_type: str | None = None, sdk: str | None = None,
) -> dict[str, Any]:
    """A store-wide rule; it needs at least one of host, rule, pii_type or sdk."""
    check_state(state)
    reason, author = _check_text(reason, author)
    host = _norm(host)
    host = host.lower().rstrip(".") if host else None
    fields = {"app_package": _norm(app), "host": host, "rule": _norm(rule), "pii_type": _norm(pii_type), "sdk": _norm(sdk)}
    if not any(fields[k] for k in ("host", "rule", "pii_type", "sdk")):
        raise TriageError("a suppression rule needs at least one of host, rule, pii type or SDK")
    with store.session() as s:
        row = SuppressionRule(**fields, state=state, reason=reason, author=author, created_at=utcnow(), active=True)
        s.add(row)
        s.flush()
        out = suppression_json(row)
        s.add(TriageAudit(actor=author, action="suppress", suppression_id=row.id, before=None, after=out))
    return out


def remove_suppression(store: Store, rule_id: int, *, author: str) -> dict[str, Any]:
    _reason, author = _check_text("-", author)
    with store.session() as s:
        row = s.get(SuppressionRule, rule_id)
        if row is None or not row.active:
            raise TriageError(f"no active suppression rule {rule_id}")
        before = suppression_json(row)
        row.active = False
        s.flush()
        after = suppression_json(row)
        s.add(TriageAudit(actor=author, action="unsuppress", suppression_id=row.id, before=before, after=after))
    return after


def list_suppressions(store: Store, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    with store.session() as s:
        q = select(SuppressionRule).order_by(SuppressionRule.id)
        if not include_inactive:
            q = q.where(SuppressionRule.active.is_(True))
        return [suppression_json(r) for r in s.scalars(q)]


def host_matches(host: str, rule_host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == rule_host or host.endswith("." + rule_host)


def suppression_matches(rule: SuppressionRule, finding: dict[str, Any], package: str | None) -> bool:
    if rule.app_package and rule.app_package != package:
        return False
    if rule.rule and rule.rule != finding.get("rule"):
        return False
    if rule.pii_type and rule.pii_type != finding.get("pii_type"):
        return False
    if rule.sdk and rule.sdk != finding_sdk(finding):
        return False
    return not rule.host or host_matches(finding_host(finding), rule.host)


# -- a session's findings with their state ---------------------------------------------------------


def effective_states(store: Store, session_id: uuid.UUID, findings: Iterable[dict[str, Any]]) -> dict[str, TriageState]:
    """finding key -> state: the session's own mark first, else the oldest matching rule."""
    findings = list(findings)
    with store.session() as s:
        package = s.scalar(select(m.App.package).join(m.Session, m.Session.app_id == m.App.id).where(m.Session.id == session_id))
        marks = {r.finding_key: r for r in s.scalars(select(TriageMark).where(TriageMark.session_id == session_id))}
        rules = list(s.scalars(select(SuppressionRule).where(SuppressionRule.active.is_(True)).order_by(SuppressionRule.id)))
    out: dict[str, TriageState] = {}
    for f in findings:
        key = triage_key(f)
        mark = marks.get(key)
        if mark is not None:
            out[key] = TriageState(mark.state, mark.reason, mark.author, mark.updated_at, "mark")
            continue
        for rule in rules:
            if suppression_matches(rule, f, package):
                out[key] = TriageState(rule.state, rule.reason, rule.author, rule.created_at, "suppression", rule.id)
                break
    return out


def annotate(store: Store, session_id: uuid.UUID, findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of FINDINGS; a triaged one carries ``triage`` (state, reason, by, at, source)."""
    states = effective_states(store, session_id, findings)
    out = []
    for f in findings:
        state = states.get(triage_key(f))
        out.append({**f, "triage": state.to_json()} if state is not None else dict(f))
    return out


def audit_log(store: Store, *, session_name: str | None = None, limit: int = 100,
              before_id: int | None = None) -> list[dict[str, Any]]:
    """Audit entries, newest first, a page at a time."""
    with store.session() as s:
        q = select(TriageAudit)
        if session_name is not None:
            q = q.where(TriageAudit.session_name == session_name)
        if before_id is not None:
            q = q.where(TriageAudit.id < before_id)
        rows = list(s.scalars(q.order_by(TriageAudit.id.desc()).limit(limit)))
    return [
        {"id": r.id, "at": r.at.isoformat(), "by": r.actor, "action": r.action, "session": r.session_name,
         "finding": r.finding_key, "suppression_id": r.suppression_id, "before": r.before, "after": r.after}
        for r in rows
    ]
