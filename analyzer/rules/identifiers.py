"""Which identifiers an event reveals as the device's personal data.

The store applies this rule when it records events (each revealed value joins the
session's identifier set, the needles the analysis looks for on the wire); the rule
itself is analysis policy and lives here.
"""

from __future__ import annotations

from analyzer.models.events import ApiCallEvent, Event, IdentifierEvent


def identifiers_in_event(ev: Event) -> list[tuple[str, str, str]]:
    """(kind, value, source) pairs an event reveals as the device's personal data."""
    if isinstance(ev, IdentifierEvent):
        return [(ev.kind, ev.value, ev.source)] if ev.value else []
    if isinstance(ev, ApiCallEvent) and ev.kind and ev.ret not in (None, "", [], {}):
        from analyzer.match.structured import identifiers_in_return

        inside = identifiers_in_return(ev.kind, ev.ret)  # contact rows, accounts, scan results, packages
        if inside:
            return [(kind, value, "hook") for kind, value in inside]
        if isinstance(ev.ret, (str, int, float)):
            return [(ev.kind, str(ev.ret), "hook")]
        if isinstance(ev.ret, list):  # cursor rows of a one-value provider (vivo / Meizu OAID)
            values = (str(v) for row in ev.ret[:20] if isinstance(row, dict) for v in row.values())
            return [(ev.kind, v, "hook") for v in dict.fromkeys(values) if v.strip() and v != "null"]
    return []
