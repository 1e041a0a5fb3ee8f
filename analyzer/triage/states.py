"""Triage states (no imports: the diff gate and the report read these)."""

from __future__ import annotations

from typing import Any

STATES = ("confirmed", "false_positive", "accepted_risk")
# A reviewer said these need no fix: they do not fail `diff --fail-on`.
DISMISSED = frozenset({"false_positive", "accepted_risk"})


def is_dismissed(finding: dict[str, Any]) -> bool:
    """A finding (report-JSON shape, annotated) a reviewer or a suppression rule dismissed."""
    return (finding.get("triage") or {}).get("state") in DISMISSED
