"""Checks a session's findings against a lab scenario's expectation JSON.

An expectation item such as ``{"rule": "pre-consent-transmission", "pii_type": "imei",
"sdk": "umeng", "host": "ulogs.umeng.com"}`` matches a finding when every key agrees;
``must`` items need at least one matching finding, ``must_not`` items none (findings in
the ``ambiguous`` phase do not count against ``must_not``). ``counts``
compare the calls the app made (``LAB:COUNT``) with the api_call events stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from analyzer.models.events import ApiCallEvent


@dataclass
class CheckResult:
    scenario: str
    choice: str
    failures: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def passed(self) -> bool:
        return not self.failures


def _field(finding: dict[str, Any], key: str) -> Any:
    dest = finding.get("destination") or {}
    flow = finding.get("flow") or {}
    if key == "host":
        return dest.get("host") or flow.get("host")
    if key == "sdk":
        return finding.get("sdk") or dest.get("sdk")
    if key == "party":
        return dest.get("party")
    if key == "api":
        call = (finding.get("evidence") or {}).get("api_call") or {}
        return call.get("api")
    return finding.get(key)


# Keys of an expectation item that annotate it rather than describe the finding.
NOTE_KEYS = frozenset({"needs", "note", "why", "description"})


def finding_matches(finding: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, expected in want.items():
        if key in NOTE_KEYS:
            continue
        if key == "encoding":
            chain = finding.get("encoding") or []
            wanted = expected if isinstance(expected, list) else [expected]
            if not all(any(str(w) == str(step) or str(step).startswith(f"{w}:") for step in chain) for w in wanted):
                return False
            continue
        if key == "encoding_contains":
            chain = [str(step) for step in finding.get("encoding") or []]
            if not any(step == expected or step.startswith(f"{expected}:") for step in chain):
                return False
            continue
        if key == "rule":  # a finding breaks every rule in its `rules`
            from analyzer.analysis.findings import finding_rules

            wanted = expected if isinstance(expected, list) else [expected]
            if not set(wanted) & set(finding_rules(finding)):
                return False
            continue
        if key == "min_count":
            if ((finding.get("evidence") or {}).get("count") or 0) < expected:
                return False
            continue
        actual = _field(finding, key)
        if isinstance(expected, list):
            if actual not in expected:
                return False
        elif actual != expected:
            return False
    return True


def describe(want: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in want.items() if k not in NOTE_KEYS)


def check_findings(
    scenario: str,
    choice: str,
    expectation: dict[str, Any],
    findings: Iterable[dict[str, Any]],
) -> CheckResult:
    findings = list(findings)
    result = CheckResult(scenario, choice)
    for want in expectation.get("must", []):
        result.checked += 1
        if not any(finding_matches(f, want) for f in findings):
            result.failures.append(f"missing finding {describe(want)}")
    for want in expectation.get("must_not", []):
        result.checked += 1
        # An ambiguous finding (within the clock uncertainty of a consent change) is a
        # question for the reviewer, not an established violation: it does not break a
        # must_not unless the item names the phase itself.
        hits = [f for f in findings if finding_matches(f, want) and ("phase" in want or f.get("phase") != "ambiguous")]
        if hits:
            first = hits[0]
            result.failures.append(
                f"unexpected finding {describe(want)} ({len(hits)}x, e.g. {first.get('pii_type')} to "
                f"{_field(first, 'host')} {first.get('phase')})"
            )
    return result


def check_counts(result: CheckResult, app_counts: dict[str, int], stored_counts: dict[str, int], expected: dict[str, Any]) -> None:
    """The app made exactly the expected calls, and every one of them is stored."""
    for api, want in expected.items():
        result.checked += 1
        made = app_counts.get(api)
        seen = stored_counts.get(api, 0)
        if made is None:
            result.failures.append(f"the app reported no count for {api}")
        elif isinstance(want, int) and made != want:
            result.failures.append(f"{api}: the app called it {made} times, the scenario expects {want}")
        elif made != seen:
            result.failures.append(f"{api}: the app called it {made} times, {seen} calls recorded")


def stored_api_counts(store, session_id) -> dict[str, int]:
    counts: dict[str, int] = {}
    for stored in store.iter_events(session_id, types=["api_call"]):
        ev = stored.event
        if isinstance(ev, ApiCallEvent) and ev.api:
            counts[ev.api] = counts.get(ev.api, 0) + ev.count
    return counts
