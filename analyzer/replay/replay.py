"""Re-analyse stored sessions and say what changed.

A replay runs the analysis pipeline again over a session's stored flows and events.
With the same inputs and the same ruleset the findings must come out byte-identical
(stable ids, stable order); the replay checks that against the previous current run
and reports the verdict changes (findings per rule, before/after). ``replay_all`` does
the same for a whole corpus of sessions, continuing past sessions that fail.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from analyzer.analysis.findings import finding_json
from analyzer.analysis.pipeline import analyze_session
from analyzer.models.report import Finding
from analyzer.rules import available_rulesets as _available_rulesets
from analyzer.store import SessionNotFound, Store, StoreError


class ReplayError(Exception):
    """An expected failure with a one-line reason."""


# -- the analysis pipeline ----------------------------------------------------------------
def available_rulesets() -> list[str]:
    return [str(v) for v in _available_rulesets()]


def check_ruleset(ruleset: str | None) -> None:
    if ruleset is None:
        return
    known = available_rulesets()
    if known and ruleset not in known:
        raise ReplayError(f"unknown ruleset {ruleset!r} (available: {', '.join(known)})")


def analyze(store: Store, name: str, *, ruleset: str | None = None, progress: Callable[..., Any] | None = None):
    """analyze_session, with its failures as one-line ReplayErrors."""
    try:
        return analyze_session(store, name, ruleset=ruleset, progress=progress)
    except (ReplayError, SessionNotFound):
        raise
    except (StoreError, ValueError, LookupError) as exc:
        raise ReplayError(f"analysis of {name!r} failed: {one_line(exc)}") from exc


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# -- comparing runs -------------------------------------------------------------------------


def canonical_bytes(findings: Sequence[Finding]) -> bytes:
    """The findings as canonical JSON (their stored form): what "byte-identical" is measured on."""
    rows = [finding_json(f) for f in findings]
    return json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def changed_finding_count(old: Sequence[Finding], new: Sequence[Finding]) -> int:
    """Finding ids added, removed or whose content differs."""
    def by_id(findings: Sequence[Finding]) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {}
        for f in findings:
            out.setdefault(f.id, []).append(canonical_bytes([f]))
        return {k: sorted(v) for k, v in out.items()}

    a, b = by_id(old), by_id(new)
    return sum(1 for fid in a.keys() | b.keys() if a.get(fid) != b.get(fid))


def rule_counts(findings: Sequence[Finding]) -> dict[str, int]:
    """Findings breaking each rule (a finding breaking two rules counts once for each)."""
    counts = Counter(rule for f in findings for rule in f.rules or [f.rule])
    return dict(sorted(counts.items()))


@dataclass
class VerdictChange:
    rule: str
    before: int
    after: int

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "before": self.before, "after": self.after}


def verdict_changes(before: dict[str, int], after: dict[str, int]) -> list[VerdictChange]:
    return [
        VerdictChange(rule, before.get(rule, 0), after.get(rule, 0))
        for rule in sorted(before.keys() | after.keys())
        if before.get(rule, 0) != after.get(rule, 0)
    ]


def run_info(run: Any, findings: Sequence[Finding] | None = None) -> dict[str, Any]:
    info = {
        "id": str(run.id),
        "ruleset_version": run.ruleset_version,
        "tool_version": run.tool_version,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
    if findings is not None:
        info["findings"] = len(findings)
    return info


def _run_by_id(store: Store, session_id: uuid.UUID, run_id: Any) -> Any:
    wanted = str(run_id)
    for run in store.runs(session_id):
        if str(run.id) == wanted:
            return run
    raise ReplayError(f"analysis run {wanted} vanished")


# -- one session ------------------------------------------------------------------------------


@dataclass
class ReplayOutcome:
    session: str
    run: dict[str, Any]
    previous: dict[str, Any] | None
    before: dict[str, int]
    after: dict[str, int]
    identical: bool | None  # None: no previous run, or another ruleset
    changed_findings: int | None  # None: no previous run
    seconds: float = 0.0

    @property
    def same_ruleset(self) -> bool:
        return self.previous is not None and self.previous["ruleset_version"] == self.run["ruleset_version"]

    @property
    def changes(self) -> list[VerdictChange]:
        return verdict_changes(self.before, self.after) if self.previous is not None else []

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "consentry.replay/1",
            "session": self.session,
            "run": self.run,
            "previous_run": self.previous,
            "ruleset_changed": None if self.previous is None else not self.same_ruleset,
            "identical": self.identical,
            "changed_findings": self.changed_findings,
            "rules_before": self.before if self.previous is not None else None,
            "rules_after": self.after,
            "verdict_changes": [c.to_json() for c in self.changes],
        }


def replay_session(
    store: Store, name: str, *, ruleset: str | None = None, progress: Callable[..., Any] | None = None
) -> ReplayOutcome:
    """Re-analyse one stored session and compare with its previous current run."""
    started = time.perf_counter()
    session = store.get_session(name)
    previous = store.current_run(session.id)
    old = store.findings(previous.id) if previous is not None else None
    result = analyze(store, name, ruleset=ruleset, progress=progress)
    run = _run_by_id(store, session.id, result.run_id)
    new = store.findings(run.id)
    same_ruleset = previous is not None and previous.ruleset_version == run.ruleset_version
    return ReplayOutcome(
        session=name,
        run=run_info(run, new),
        previous=run_info(previous, old) if previous is not None else None,
        before=rule_counts(old or []),
        after=rule_counts(new),
        identical=(canonical_bytes(old or []) == canonical_bytes(new)) if same_ruleset else None,
        changed_findings=changed_finding_count(old, new) if old is not None else None,
        seconds=time.perf_counter() - started,
    )


def ensure_analysed(store: Store, name: str) -> tuple[Any, list[Finding]]:
    """The current run of a session and its findings, analysing it first if never analysed."""
    session = store.get_session(name)
    run = store.current_run(session.id)
    if run is None:
        result = analyze(store, name)
        run = _run_by_id(store, session.id, result.run_id)
    return run, store.findings(run.id)


# -- the corpus ----------------------------------------------------------------------------------


@dataclass
class CorpusOutcome:
    outcomes: list[ReplayOutcome] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (session, one-line reason)
    seconds: float = 0.0

    @property
    def changed(self) -> list[ReplayOutcome]:
        return [o for o in self.outcomes if o.changes]

    def totals(self) -> dict[str, Any]:
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        for o in self.outcomes:
            if o.previous is not None:
                before.update(o.before)
                after.update(o.after)
        return {
            "sessions": len(self.outcomes) + len(self.failures),
            "analysed": len(self.outcomes),
            "failed": len(self.failures),
            "first_analysis": sum(1 for o in self.outcomes if o.previous is None),
            "changed_sessions": len(self.changed),
            "not_identical": sum(1 for o in self.outcomes if o.identical is False),
            "verdict_changes": [c.to_json() for c in verdict_changes(dict(before), dict(after))],
            "seconds": round(self.seconds, 3),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "consentry.replay-all/1",
            "sessions": [o.to_json() for o in self.outcomes],
            "failures": [{"session": name, "error": reason} for name, reason in self.failures],
            "total": self.totals(),
        }


def replay_all(
    store: Store,
    *,
    app: str | None = None,
    ruleset: str | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> CorpusOutcome:
    """Replay every stored session (of one app); a failing session is recorded, not fatal.

    ``on_progress(done, total, session_name)`` is called after each session.
    """
    check_ruleset(ruleset)
    started = time.perf_counter()
    names = [s.name for s in store.list_sessions(app=app)]
    corpus = CorpusOutcome()
    for done, name in enumerate(names, 1):
        try:
            corpus.outcomes.append(replay_session(store, name, ruleset=ruleset))
        except Exception as exc:  # noqa: BLE001 - one broken session must not stop the corpus
            cause = exc.__cause__ if isinstance(exc, ReplayError) and exc.__cause__ else exc
            corpus.failures.append((name, str(exc) if isinstance(exc, ReplayError) else one_line(cause)))
        if on_progress is not None:
            on_progress(done, len(names), name)
    corpus.seconds = time.perf_counter() - started
    return corpus
