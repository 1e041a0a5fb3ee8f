"""The one place that says which finding a triage mark belongs to.

A mark is keyed by (session, finding key). The finding key is the finding's ``id``: a
hash of rule, phase, personal-data type, the flow's (or hooked call's) sequence number,
location, path and value (docs/dashboard.md#triage), so it survives re-analysis and
replay of the same session, while flow ids and findings rows do not. Should the finding
model change what a finding is, change these two together and nothing else.
"""

from __future__ import annotations

from typing import Any

from analyzer.store import models as m


def triage_key(finding: dict[str, Any]) -> str:
    """The key of a finding in report-JSON shape."""
    return str(finding["id"])


# The same key as a column of the findings table, for joins and filters in SQL.
TRIAGE_KEY_COLUMN = m.Finding.id
