"""Replay and regression: re-analyse stored sessions, diff analyses by meaning, JUnit."""

from analyzer.replay.compare import SessionDiff, diff_sessions, latest_session
from analyzer.replay.diff import DIFF_SCHEMA_ID, DiffEntry, DiffResult, diff_findings
from analyzer.replay.junit import junit_tree, write_junit
from analyzer.replay.keys import FindingKey, finding_key, registrable_domain
from analyzer.replay.replay import (
    CorpusOutcome,
    ReplayError,
    ReplayOutcome,
    canonical_bytes,
    ensure_analysed,
    replay_all,
    replay_session,
)

__all__ = [
    "DIFF_SCHEMA_ID",
    "CorpusOutcome",
    "DiffEntry",
    "DiffResult",
    "FindingKey",
    "ReplayError",
    "ReplayOutcome",
    "SessionDiff",
    "canonical_bytes",
    "diff_findings",
    "diff_sessions",
    "ensure_analysed",
    "finding_key",
    "junit_tree",
    "latest_session",
    "registrable_domain",
    "replay_all",
    "replay_session",
    "write_junit",
]
