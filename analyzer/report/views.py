"""What a rendered report shows, computed once from the Report model.

Renderers (HTML, Markdown) only lay these views out; grouping, counting, caps and
pagination live here so every format agrees on them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from analyzer.models.report import Finding, Report, RequestProof, RuleInfo
from analyzer.report.timeline import call_lane, finding_lane, lane_order

# Requests shown with full proof; the rest go to a compact table (one row per request).
DETAILED_REQUESTS = 100
DETAILED_CALLS = 100
COMPACT_PAGE_SIZE = 500
EXCERPT_LIMIT = 2000  # characters of excerpt shown around the match
STACK_LIMIT = 40
SHORT_ID = 12  # finding-id prefix in compact rows (the CLI accepts any unique prefix)
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class FindingView:
    """A finding as laid out; excerpt split and SDK frame are worked out only when shown
    (a 20,000-request report lists most findings in one compact row per request)."""

    __slots__ = ("finding", "anchor", "lane", "__dict__")

    def __init__(self, finding: Finding, anchor: str, lane: str) -> None:
        self.finding = finding
        self.anchor = anchor
        self.lane = lane

    @cached_property
    def _excerpt(self) -> tuple[str, str, str]:
        return split_excerpt(self.finding)

    @property
    def excerpt_head(self) -> str:
        return self._excerpt[0]

    @property
    def excerpt_match(self) -> str:
        return self._excerpt[1]

    @property
    def excerpt_tail(self) -> str:
        return self._excerpt[2]

    @cached_property
    def request_line(self) -> str:
        return request_line(self.finding)

    @cached_property
    def relative_s(self) -> float | None:
        rel = self.finding.evidence.relative_to_consent_ms
        return rel / 1000 if rel is not None else None

    @cached_property
    def sdk_frame(self) -> str | None:
        return sdk_frame(self.finding.evidence.stack)

    @property
    def short_id(self) -> str:
        return self.finding.id[:SHORT_ID]

    @property
    def rules(self) -> list[str]:
        return self.finding.rules or [self.finding.rule]


@dataclass
class RequestGroup:
    """One request and the personal-data items it carried (one finding each)."""

    anchor: str
    proof: RequestProof | None
    findings: list[FindingView]
    lane: str

    @property
    def first(self) -> Finding:
        return self.findings[0].finding

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys(r for fv in self.findings for r in fv.rules))

    @property
    def pii_types(self) -> list[str]:
        return list(dict.fromkeys(fv.finding.pii_type or "" for fv in self.findings))


@dataclass
class Verdict:
    rule: RuleInfo
    count: int
    phases: dict[str, int]
    requests: int = 0  # distinct requests among the findings

    @property
    def violated(self) -> bool:
        return self.count > 0


@dataclass
class SdkRow:
    sdk: str
    calls: list[tuple[str, int]] = field(default_factory=list)  # (api, total calls)
    call_kinds: list[str] = field(default_factory=list)
    sent: list[tuple[str, int]] = field(default_factory=list)  # (pii type, requests carrying it)
    hosts: list[str] = field(default_factory=list)
    phases: list[tuple[str, int]] = field(default_factory=list)  # (phase, findings)
    requests: int = 0


@dataclass
class ReportView:
    report: Report
    prefix: str
    verdicts: list[Verdict]
    request_groups: list[RequestGroup]
    call_findings: list[FindingView]
    sdk_rows: list[SdkRow]
    redacted: bool
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    sentence: str = ""

    @property
    def violation_count(self) -> int:
        return sum(1 for v in self.verdicts if v.violated)

    @property
    def detailed_requests(self) -> list[RequestGroup]:
        return self.request_groups[:DETAILED_REQUESTS]

    @property
    def compact_pages(self) -> list[list[RequestGroup]]:
        rest = self.request_groups[DETAILED_REQUESTS:]
        return [rest[i:i + COMPACT_PAGE_SIZE] for i in range(0, len(rest), COMPACT_PAGE_SIZE)]

    @property
    def detailed_calls(self) -> list[FindingView]:
        return self.call_findings[:DETAILED_CALLS]

    @property
    def compact_calls(self) -> list[FindingView]:
        return self.call_findings[DETAILED_CALLS:]


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
    return FindingView(finding, f"{prefix}f-{finding.id}", finding_lane(finding))


def sdk_frame(stack: list[str]) -> str | None:
    """The innermost frame of the calling code (an SDK or the app), not the framework's."""
    from analyzer.attribution import default_signatures

    sig = default_signatures()
    own = [frame for frame in stack if isinstance(frame, str) and not sig.is_framework(frame)]
    return next((frame for frame in own if sig.sdk_for_class(frame) is not None), own[0] if own else None)


def group_by_request(report: Report, prefix: str = "") -> tuple[list[RequestGroup], list[FindingView]]:
    """Flow findings grouped per request (capture order) and the API-call findings."""
    proofs = {p.id: p for p in report.requests}
    groups: dict[str, RequestGroup] = {}
    calls: list[FindingView] = []
    for f in report.findings:
        fv = finding_view(f, prefix)
        if f.flow is None:
            calls.append(fv)
            continue
        group = groups.get(f.flow.id)
        if group is None:
            group = groups[f.flow.id] = RequestGroup(f"{prefix}r-{f.flow.id}", proofs.get(f.flow.id), [], fv.lane)
        group.findings.append(fv)
    ordered = sorted(groups.values(), key=lambda g: (g.first.ts, g.proof.seq if g.proof and g.proof.seq else 0, g.anchor))
    return ordered, calls


def verdicts_of(report: Report, rules: dict[str, RuleInfo]) -> list[Verdict]:
    counts: Counter[str] = Counter()
    phases: dict[str, Counter[str]] = defaultdict(Counter)
    flows: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        for rule in f.rules or [f.rule]:
            counts[rule] += 1
            phases[rule][f.phase] += 1
            if f.flow is not None:
                flows[rule].add(f.flow.id)
    verdicts = [Verdict(rule, counts.get(rule.id, 0), dict(phases.get(rule.id, {})), len(flows.get(rule.id, ())))
                for rule in _ordered_rules(rules)]
    return sorted(verdicts, key=lambda v: not v.violated)  # violations first, then what passed


def plan_sentence(report: Report, verdicts: list[Verdict], L) -> str:
    """One sentence for a consent plan: the rules it violated (with counts and SDKs), then what passed."""
    by_rule_sdks: dict[str, list[str]] = defaultdict(list)
    for f in report.findings:
        lane = finding_lane(f)
        for rule in f.rules or [f.rule]:
            if lane not in by_rule_sdks[rule]:
                by_rule_sdks[rule].append(lane)
    violated = [v for v in verdicts if v.violated]
    passed = [v for v in verdicts if not v.violated]
    parts = []
    for v in violated:
        detail = L.fmt("sentence_counts", n=v.count, r=v.requests) if v.requests else L.fmt("sentence_findings", n=v.count)
        sdks = by_rule_sdks.get(v.rule.id, [])
        if sdks:
            detail += L["list_sep"] + L.fmt("sentence_sdks", sdks=L["enum_sep"].join(sdks[:6]) + ("…" if len(sdks) > 6 else ""))
        parts.append(f"{L.rule_title(v.rule)}{L['paren_open']}{detail}{L['paren_close']}")
    plan = L.choice(report.session.consent_choice)
    head = L.fmt("sentence_violations", plan=plan, n=len(violated)) if violated else L.fmt("sentence_clean", plan=plan)
    text = head + (L["dash"] + L["clause_sep"].join(parts) if parts else "")
    if passed:
        text += L["sentence_sep"] + L.fmt("sentence_passed", n=len(passed), rules=L["enum_sep"].join(L.rule_title(v.rule) for v in passed))
    return text + L["full_stop"]


def build_view(report: Report, prefix: str = "", labels=None) -> ReportView:
    from analyzer.report.labels import Labels

    labels = labels or Labels("en")
    rules = rule_catalog(report)
    request_groups, call_findings = group_by_request(report, prefix)
    verdicts = verdicts_of(report, rules)
    return ReportView(
        report=report,
        prefix=prefix,
        verdicts=verdicts,
        request_groups=request_groups,
        call_findings=call_findings,
        sdk_rows=sdk_rows(report),
        redacted=bool((report.model_extra or {}).get("redacted")),
        rules=rules,
        sentence=plan_sentence(report, verdicts, labels),
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
    sent_flows: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    lane_flows: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        lane = finding_lane(f)
        phases[lane][f.phase] += 1
        if f.flow is not None:
            lane_flows[lane].add(f.flow.id)
            if f.pii_type:
                sent_flows[lane][f.pii_type].add(f.flow.id)
            hosts[lane].add(f.destination.host if f.destination else f.flow.host)
        elif f.evidence.api_call is not None:
            calls[lane][f.evidence.api_call.api] += 0  # known caller even without the call list
    for lane, kinds_sent in sent_flows.items():
        for kind, flow_ids in kinds_sent.items():
            sent[lane][kind] = len(flow_ids)  # requests carrying it, not findings
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
                requests=len(lane_flows.get(lane, ())),
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
