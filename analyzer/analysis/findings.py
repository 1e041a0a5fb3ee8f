"""Finding ids and the report-JSON shape of findings (``consentry.report/2``).

A finding is one personal-data item (PII type + value) in one request, or one group
of sensitive API calls, and carries every rule it breaks (``rules``; ``rule`` is the
first of them in catalogue order). Its id is a hash of where it is and what it
carries (the flow's capture sequence number or the API-call event's sequence number,
PII type, value): the same stored session analysed again gives the same ids and the
same bytes, and a ruleset that adds or drops a rule does not renumber anything.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Iterator

from analyzer.correlate.calls import ApiCall
from analyzer.models.report import Finding

MAX_REQUEST_LINE = 2000


def finding_id(*parts: Any) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def new_finding(
    *,
    id: str,
    rules: dict[str, Any],
    phase: str,
    pii_type: str | None,
    ts: str,
    evidence: dict[str, Any],
    sdk: Any = None,
    flow: dict[str, Any] | None = None,
    location: str | None = None,
    encoding: Iterable[str] = (),
    destination: dict[str, Any] | None = None,
) -> Finding:
    """The one way a finding comes to be: the report's typed ``Finding``, validated here.

    ``rules`` is what ``rule_fields`` gives (rule, rules, rule_confidence, confidence);
    ``sdk`` the catalogue entry the finding is attributed to (its id, name, organisation).
    The pipeline builds findings only through this; the store keeps ``finding_json`` of
    it and reports read that back into the same type.
    """
    return Finding.model_validate({
        "id": id,
        **rules,
        "phase": phase,
        "pii_type": pii_type,
        "flow": flow,
        "location": location,
        "encoding": list(encoding),
        "destination": destination,
        "sdk": sdk.id if sdk else None,
        "sdk_name": sdk.name if sdk else None,
        "organisation": sdk.organisation if sdk else None,
        "ts": ts,
        "evidence": evidence,
    })


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as stored and as the report JSON carries it: the fields it was built with."""
    return finding.model_dump(mode="json", exclude_unset=True)


def api_call_ref(call: ApiCall, sdk: str | None) -> dict[str, Any]:
    return {
        "api": call.api,
        "ts": call.first_ts_iso,
        "kind": call.kind,
        "ret": call.ret_json(),
        "stack": list(call.stack),
        "count": call.count,
        "sdk": sdk,
    }


def request_line(method: str, url: str) -> str:
    line = f"{method} {url}"
    return line if len(line) <= MAX_REQUEST_LINE else line[:MAX_REQUEST_LINE] + "…"


def sort_key(finding: Finding) -> tuple[str, str]:
    """Findings are listed by time, then id (stable whatever order the rules found them)."""
    return (finding.ts, finding.id)


def finding_rules(finding: dict[str, Any]) -> list[str]:
    """Every rule a finding breaks (``consentry.report/2`` findings had one)."""
    rules = finding.get("rules")
    if isinstance(rules, list) and rules:
        return [str(r) for r in rules]
    return [str(finding.get("rule"))] if finding.get("rule") else []


def per_rule(findings: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One shallow view per (finding, rule): for consumers that count by rule (diff, replay)."""
    for f in findings:
        rules = finding_rules(f)
        if len(rules) <= 1:
            yield f
            continue
        for rule in rules:
            yield {**f, "rule": rule}


def rule_counts(findings: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Findings breaking each rule (a finding breaking two rules counts once for each)."""
    counts: dict[str, int] = {}
    for f in findings:
        for rule in finding_rules(f):
            counts[rule] = counts.get(rule, 0) + 1
    return counts


def dump_findings(findings: Iterable[dict[str, Any]]) -> str:
    """Canonical text of a findings list (stable key order; used for comparisons)."""
    return json.dumps(list(findings), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
