"""Compare the findings of two analyses by what they mean (see keys.py).

Each finding key lands in one class:
``new`` (only in NEW), ``fixed`` (only in OLD), ``unchanged`` (in both, whatever the
multiplicity: 3 flows in OLD and 1 in NEW is still the same leak, the counts say how
many), or ``moved``: the same rule, data, SDK and phase went to another registrable
domain (an SDK switching endpoints). A moved leak is not counted as new: the app did
not start leaking, the recipient changed; the entry names both destinations.
Findings without an attributed SDK never pair as moved: nothing says it is the same
sender, so they stay fixed + new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from analyzer.models.report import Finding
from analyzer.replay.keys import FindingKey, finding_key, host_of
from analyzer.triage.states import DISMISSED

DIFF_SCHEMA_ID = "consentry.diff/1"
STATUSES = ("new", "moved", "fixed", "unchanged")
EXAMPLES_PER_SIDE = 3
EXCERPT_CHARS = 240


@dataclass
class DiffEntry:
    status: str
    key: FindingKey  # for moved: the key in NEW
    old_count: int = 0
    new_count: int = 0
    old_hosts: list[str] = field(default_factory=list)
    new_hosts: list[str] = field(default_factory=list)
    old_examples: list[dict[str, Any]] = field(default_factory=list)
    new_examples: list[dict[str, Any]] = field(default_factory=list)
    moved_from: FindingKey | None = None
    note: str | None = None
    new_dismissed: int = 0  # NEW findings a reviewer marked false positive / accepted risk

    @property
    def gating_new_count(self) -> int:
        """NEW findings of this key that still count against a CI gate."""
        return self.new_count - self.new_dismissed

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key.as_dict(), "status": self.status}
        if self.moved_from is not None:
            out["moved_from"] = self.moved_from.as_dict()
        out.update(
            old_count=self.old_count,
            new_count=self.new_count,
            new_dismissed=self.new_dismissed,
            old_hosts=self.old_hosts,
            new_hosts=self.new_hosts,
            note=self.note,
            evidence={"old": self.old_examples, "new": self.new_examples},
        )
        return out


@dataclass
class DiffResult:
    entries: list[DiffEntry]

    def of(self, status: str) -> list[DiffEntry]:
        return [e for e in self.entries if e.status == status]

    @property
    def new(self) -> list[DiffEntry]:
        return self.of("new")

    @property
    def fixed(self) -> list[DiffEntry]:
        return self.of("fixed")

    @property
    def unchanged(self) -> list[DiffEntry]:
        return self.of("unchanged")

    @property
    def moved(self) -> list[DiffEntry]:
        return self.of("moved")

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def fails(self, fail_on: str) -> bool:
        """The ``--fail-on`` gate: dismissed findings (triage) never fail it.

        ``new``: a new finding key with at least one finding not dismissed;
        ``any``: any finding in NEW not dismissed; ``none``: never.
        """
        if fail_on == "new":
            return any(e.gating_new_count > 0 for e in self.new)
        if fail_on == "any":
            return any(e.gating_new_count > 0 for e in self.entries)
        return False

    def to_json(self, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        return {
            "schema": DIFF_SCHEMA_ID,
            "old": old,
            "new": new,
            "summary": self.counts(),
            "new_findings": [e.to_json() for e in self.new],
            "fixed": [e.to_json() for e in self.fixed],
            "unchanged": [e.to_json() for e in self.unchanged],
            "moved": [e.to_json() for e in self.moved],
        }


@dataclass
class _Side:
    findings: list[Finding] = field(default_factory=list)

    def hosts(self) -> list[str]:
        return sorted({h for h in (host_of(f) for f in self.findings) if h})

    def examples(self, redact: bool) -> list[dict[str, Any]]:
        return [evidence_summary(f, redact=redact) for f in self.findings[:EXAMPLES_PER_SIDE]]


def _per_rule(findings: Iterable[Finding]) -> Iterable[tuple[str, Finding]]:
    """(rule, finding) for every rule a finding breaks: it is a leak under each."""
    for f in findings:
        for rule in f.rules or [f.rule]:
            yield rule, f


def _group(findings: Iterable[Finding]) -> dict[FindingKey, _Side]:
    groups: dict[FindingKey, _Side] = defaultdict(_Side)
    for rule, f in _per_rule(findings):
        groups[finding_key(f)._replace(rule=rule)].findings.append(f)
    for side in groups.values():
        side.findings.sort(key=lambda f: (f.ts, f.id))
    return groups


def is_dismissed(finding: Finding) -> bool:
    """A finding a reviewer or a suppression rule dismissed (its ``triage``, when annotated)."""
    triage = (finding.model_extra or {}).get("triage") or {}
    return triage.get("state") in DISMISSED


def _sort_key(key: FindingKey) -> tuple[str, ...]:
    return tuple(key)


def diff_findings(old_findings: Iterable[Finding], new_findings: Iterable[Finding], *, redact: bool = False) -> DiffResult:
    """Classify every finding key of OLD and NEW as new, fixed, unchanged or moved."""
    old, new = _group(old_findings), _group(new_findings)
    entries: list[DiffEntry] = []

    for key in sorted(old.keys() & new.keys(), key=_sort_key):
        o, n = old[key], new[key]
        note = None if len(o.findings) == len(n.findings) else f"{len(o.findings)} -> {len(n.findings)} findings"
        entries.append(_entry("unchanged", key, o, n, redact, note=note))

    only_old = sorted(old.keys() - new.keys(), key=_sort_key)
    only_new = sorted(new.keys() - old.keys(), key=_sort_key)
    paired_old, paired_new = _pair_moved(only_old, only_new)
    for old_key, new_key in zip(paired_old, paired_new):
        note = f"moved: {old_key.destination or '-'} -> {new_key.destination or '-'}"
        entries.append(_entry("moved", new_key, old[old_key], new[new_key], redact, note=note, moved_from=old_key))
    for key in only_old:
        if key not in paired_old:
            entries.append(_entry("fixed", key, old[key], _Side(), redact))
    for key in only_new:
        if key not in paired_new:
            entries.append(_entry("new", key, _Side(), new[key], redact))

    entries.sort(key=lambda e: (STATUSES.index(e.status), _sort_key(e.key)))
    return DiffResult(entries)


def _pair_moved(only_old: list[FindingKey], only_new: list[FindingKey]) -> tuple[list[FindingKey], list[FindingKey]]:
    """Pair vanished and appeared keys that differ only by destination (same, known SDK)."""
    by_leak_old: dict[tuple[str, ...], list[FindingKey]] = defaultdict(list)
    for key in only_old:
        if key.sdk and key.destination:
            by_leak_old[key.same_leak_elsewhere()].append(key)
    paired_old: list[FindingKey] = []
    paired_new: list[FindingKey] = []
    for key in only_new:
        if not (key.sdk and key.destination):
            continue
        candidates = by_leak_old.get(key.same_leak_elsewhere())
        if candidates:
            paired_old.append(candidates.pop(0))
            paired_new.append(key)
    return paired_old, paired_new


def _entry(
    status: str,
    key: FindingKey,
    old: _Side,
    new: _Side,
    redact: bool,
    *,
    note: str | None = None,
    moved_from: FindingKey | None = None,
) -> DiffEntry:
    return DiffEntry(
        status=status,
        key=key,
        old_count=len(old.findings),
        new_count=len(new.findings),
        old_hosts=old.hosts(),
        new_hosts=new.hosts(),
        old_examples=old.examples(redact),
        new_examples=new.examples(redact),
        moved_from=moved_from,
        note=note,
        new_dismissed=sum(1 for f in new.findings if is_dismissed(f)),
    )


# -- evidence ---------------------------------------------------------------------------


def mask(value: str) -> str:
    """Keep enough of a value to recognise it, not enough to reuse it."""
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:2]}{'*' * (len(value) - 4)}{value[-2:]}"


def evidence_summary(finding: Finding, *, redact: bool = False) -> dict[str, Any]:
    """The part of a finding a reviewer needs to see what leaked where."""
    ev = finding.evidence
    value = ev.value
    matched = ev.matched
    excerpt = ev.excerpt
    url = finding.flow.url if finding.flow else None
    if isinstance(excerpt, str):
        excerpt = excerpt[:EXCERPT_CHARS]
    if redact:
        for secret in sorted({s for s in (value, matched) if isinstance(s, str) and s}, key=len, reverse=True):
            excerpt = excerpt.replace(secret, mask(secret)) if isinstance(excerpt, str) else excerpt
            url = url.replace(secret, mask(secret)) if isinstance(url, str) else url
        value = mask(value) if isinstance(value, str) else value
        matched = mask(matched) if isinstance(matched, str) else matched
    summary = {
        "id": finding.id,
        "ts": finding.ts,
        "method": finding.flow.method if finding.flow else None,
        "url": url,
        "host": host_of(finding) or None,
        "location": finding.location,
        "path": ev.path,
        "encoding": list(finding.encoding),
        "confidence": finding.confidence,
        "value": value,
        "matched": matched,
        "excerpt": excerpt,
        "api": ev.api_call.api if ev.api_call else None,
    }
    return {k: v for k, v in summary.items() if v not in (None, [], "")}
