"""What a rendered report shows, computed once from the Report model.

Renderers (HTML, Markdown) only lay these views out; grouping, counting, caps and
pagination live here so every format agrees on them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from analyzer.models.report import Finding, Report, RuleInfo
from analyzer.report.timeline import call_lane, finding_lane, lane_order

# Findings shown with full evidence per (rule, SDK) group; the rest go to a compact table.
DETAILED_PER_GROUP = 20
COMPACT_PAGE_SIZE = 250
EXCERPT_LIMIT = 2000  # characters of excerpt shown around the match
STACK_LIMIT = 40
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class FindingView:
    finding: Finding
    anchor: str
    lane: str
    excerpt_head: str = ""
    excerpt_match: str = ""
    excerpt_tail: str = ""
    request_line: str = ""
    relative_s: float | None = None


@dataclass
class SdkGroup:
    sdk: str
    total: int
    detailed: list[FindingView]
    pages: list[list[FindingView]]


@dataclass
class RuleGroup:
    rule: RuleInfo
    total: int
    groups: list[SdkGroup]


@dataclass
class Verdict:
    rule: RuleInfo
    count: int
    phases: dict[str, int]

    @property
    def violated(self) -> bool:
        return self.count > 0


@dataclass
class SdkRow:
    sdk: str
    calls: list[tuple[str, int]] = field(default_factory=list)  # (api, total calls)
    call_kinds: list[str] = field(default_factory=list)
    sent: list[tuple[str, int]] = field(default_factory=list)  # (pii type, findings)
    hosts: list[str] = field(default_factory=list)
    phases: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ReportView:
    report: Report
    prefix: str
    verdicts: list[Verdict]
    rule_groups: list[RuleGroup]
    sdk_rows: list[SdkRow]
    redacted: bool

    @property
    def violation_count(self) -> int:
        return sum(1 for v in self.verdicts if v.violated)


def rule_catalog(report: Report) -> dict[str, RuleInfo]:
    """Rules of the report plus stand-ins for rules that only appear in findings."""
    rules = {r.id: r for r in report.rules}
    for f in report.findings:
        if f.rule not in rules:
            rules[f.rule] = RuleInfo(id=f.rule, title=f.rule, severity="medium")
    return rules


def _ordered_rules(rules: dict[str, RuleInfo]) -> list[RuleInfo]:
    return sorted(rules.values(), key=lambda r: (SEVERITY_ORDER.get(r.severity, 9), r.id))


def split_excerpt(finding: Finding) -> tuple[str, str, str]:
    """Excerpt cut at the evidence span (head, match, tail), trimmed around the match."""
    ev = finding.evidence
    text = ev.excerpt or ""
    span = ev.excerpt_span
    if not (span and len(span) == 2 and 0 <= span[0] <= span[1] <= len(text)):
        return text[:EXCERPT_LIMIT], "", ""
    start, end = span
    margin = max((EXCERPT_LIMIT - (end - start)) // 2, 0)
    head = text[max(0, start - margin):start]
    tail = text[end:end + margin]
    if start - margin > 0:
        head = "…" + head
    if end + margin < len(text):
        tail = tail + "…"
    return head, text[start:end], tail


def request_line(finding: Finding) -> str:
    if finding.evidence.request_line:
        return finding.evidence.request_line
    if finding.flow is not None:
        return f"{finding.flow.method} {finding.flow.url}"
    return ""


def finding_view(finding: Finding, prefix: str) -> FindingView:
    head, match, tail = split_excerpt(finding)
    rel = finding.evidence.relative_to_consent_ms
    relative_s = rel / 1000 if rel is not None else None
    return FindingView(
        finding=finding,
        anchor=f"{prefix}f-{finding.id}",
        lane=finding_lane(finding),
        excerpt_head=head,
        excerpt_match=match,
        excerpt_tail=tail,
        request_line=request_line(finding),
        relative_s=relative_s,
    )


def build_view(report: Report, prefix: str = "") -> ReportView:
    rules = rule_catalog(report)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)

    verdicts = [
        Verdict(rule, len(by_rule.get(rule.id, [])), dict(Counter(f.phase for f in by_rule.get(rule.id, []))))
        for rule in _ordered_rules(rules)
    ]
    rule_groups = []
    for rule in _ordered_rules(rules):
        findings = by_rule.get(rule.id)
        if not findings:
            continue
        per_sdk: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            per_sdk[finding_lane(f)].append(f)
        groups = []
        for sdk in lane_order(set(per_sdk)):
            items = per_sdk[sdk]
            detailed = [finding_view(f, prefix) for f in items[:DETAILED_PER_GROUP]]
            rest = [finding_view(f, prefix) for f in items[DETAILED_PER_GROUP:]]
            pages = [rest[i:i + COMPACT_PAGE_SIZE] for i in range(0, len(rest), COMPACT_PAGE_SIZE)]
            groups.append(SdkGroup(sdk, len(items), detailed, pages))
        rule_groups.append(RuleGroup(rule, len(findings), groups))
    return ReportView(
        report=report,
        prefix=prefix,
        verdicts=verdicts,
        rule_groups=rule_groups,
        sdk_rows=sdk_rows(report),
        redacted=bool((report.model_extra or {}).get("redacted")),
    )


def sdk_rows(report: Report) -> list[SdkRow]:
    calls: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, set[str]] = defaultdict(set)
    sent: dict[str, Counter[str]] = defaultdict(Counter)
    hosts: dict[str, set[str]] = defaultdict(set)
    phases: dict[str, Counter[str]] = defaultdict(Counter)
    for c in report.api_calls:
        lane = call_lane(c)
        calls[lane][c.api] += max(c.count, 1)
        if c.kind:
            kinds[lane].add(c.kind)
    for f in report.findings:
        lane = finding_lane(f)
        phases[lane][f.phase] += 1
        if f.flow is not None:
            if f.pii_type:
                sent[lane][f.pii_type] += 1
            hosts[lane].add(f.destination.host if f.destination else f.flow.host)
        elif f.evidence.api_call is not None:
            calls[lane][f.evidence.api_call.api] += 0  # known caller even without the call list
    rows = []
    for lane in lane_order(set(calls) | set(sent) | set(phases)):
        rows.append(
            SdkRow(
                sdk=lane,
                calls=sorted(calls[lane].items(), key=lambda kv: (-kv[1], kv[0])),
                call_kinds=sorted(kinds[lane]),
                sent=sorted(sent[lane].items(), key=lambda kv: (-kv[1], kv[0])),
                hosts=sorted(hosts[lane]),
                phases=sorted(phases[lane].items()),
            )
        )
    return rows


def overview(views: list[ReportView]) -> tuple[list[RuleInfo], list[dict[str, Any]]]:
    """Rule × consent-choice matrix of a per-app report."""
    rules: dict[str, RuleInfo] = {}
    for view in views:
        rules.update({v.rule.id: v.rule for v in view.verdicts if v.rule.id not in rules})
    ordered = _ordered_rules(rules)
    columns = []
    for view in views:
        counts = {v.rule.id: v.count for v in view.verdicts}
        columns.append({"view": view, "counts": [counts.get(r.id) for r in ordered]})
    return ordered, columns


@dataclass
class ConsentScreen:
    """A consent mark with the screenshot of its screen, shown beside the timeline."""

    index: int  # position of the mark in report.consent (the timeline links to it)
    action: str
    ts: str
    via: str
    matched: list[str]
    tapped: str
    bounds: str
    screen_text: str
    data_uri: str


def consent_screens(report: Report) -> list[ConsentScreen]:
    import base64

    from analyzer.store.ui_evidence import mark_screenshot_sha

    images = getattr(report, "_ui_images", None) or {}
    out = []
    for index, mark in enumerate(report.consent):
        sha = mark_screenshot_sha(mark.evidence)
        png = images.get(sha) if sha else None
        if png is None:
            continue
        node = mark.node or {}
        out.append(ConsentScreen(
            index=index, action=mark.action, ts=mark.ts, via=mark.via or mark.source, matched=list(mark.matched or []),
            tapped=str(node.get("text") or node.get("content_desc") or node.get("resource_id") or ""),
            bounds=str(node.get("bounds") or ""), screen_text=mark.text or "",
            data_uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        ))
    return out
