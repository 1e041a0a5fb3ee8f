"""Triage: reviewers mark findings confirmed / false positive / accepted risk.

Marks persist across re-analysis (keys.py), suppression rules apply store-wide, every
change is audited. Reports show the state of each finding; ``diff --fail-on`` ignores
findings a reviewer dismissed (false positive or accepted risk).
"""

from analyzer.triage.keys import TRIAGE_KEY_COLUMN, triage_key
from analyzer.triage.states import DISMISSED, STATES, is_dismissed
from analyzer.triage.service import (
    TriageError,
    add_suppression,
    annotate,
    audit_log,
    clear_mark,
    effective_states,
    list_marks,
    list_suppressions,
    remove_suppression,
    set_mark,
)

__all__ = [
    "DISMISSED",
    "STATES",
    "TRIAGE_KEY_COLUMN",
    "TriageError",
    "add_suppression",
    "annotate",
    "audit_log",
    "clear_mark",
    "effective_states",
    "is_dismissed",
    "list_marks",
    "list_suppressions",
    "remove_suppression",
    "set_mark",
    "triage_key",
]
