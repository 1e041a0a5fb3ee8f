"""Pick the sessions to compare and diff their current analyses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from analyzer.analysis.findings import finding_json
from analyzer.models.report import Finding
from analyzer.replay.diff import DiffResult, diff_findings
from analyzer.replay.replay import ReplayError, ensure_analysed, run_info
from analyzer.store import Store


def latest_session(store: Store, app: str, version: str, consent: str | None = None) -> str:
    """The most recently started session of APP at VERSION (optionally with that consent choice)."""
    candidates = [
        s
        for s in store.list_sessions(app=app)
        if s.app is not None
        and s.app.version == version
        and (consent is None or (s.consent_choice or "") == consent)
    ]
    if not candidates:
        with_consent = f" with consent choice {consent!r}" if consent is not None else ""
        raise ReplayError(f"no stored session of {app} version {version}{with_consent}")
    latest = max(candidates, key=lambda s: (s.started_at or s.created_at, s.created_at, s.name))
    return latest.name


@dataclass
class SessionDiff:
    diff: DiffResult
    old: dict[str, Any]
    new: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.diff.to_json(self.old, self.new)


def _side(store: Store, name: str) -> tuple[dict[str, Any], list[Finding]]:
    session = store.get_session(name)
    run, findings = ensure_analysed(store, name)
    findings = _with_triage(store, session.id, findings)
    info: dict[str, Any] = {
        "session": name,
        "app": session.app.package if session.app else None,
        "version": session.app.version if session.app else None,
        "consent_choice": session.consent_choice,
        "run": run_info(run, findings),
    }
    return info, findings


def _with_triage(store: Store, session_id: uuid.UUID, findings: list[Finding]) -> list[Finding]:
    """The findings, a triaged one carrying its ``triage`` state as the report does."""
    from analyzer.triage.service import effective_states  # triage imports replay.keys: import late

    states = effective_states(store, session_id, [finding_json(f) for f in findings])  # triage matches JSON rows
    return [f.model_copy(update={"triage": states[f.id].to_json()}) if f.id in states else f for f in findings]


def diff_sessions(store: Store, old_name: str, new_name: str, *, redact: bool = False) -> SessionDiff:
    """new/fixed/unchanged/moved findings between two sessions (analysed first if needed)."""
    old_info, old_findings = _side(store, old_name)
    new_info, new_findings = _side(store, new_name)
    return SessionDiff(diff_findings(old_findings, new_findings, redact=redact), old_info, new_info)
