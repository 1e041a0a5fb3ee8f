"""What a rendered report shows, computed once per report.

Renderers (HTML, Markdown, PDF) only lay these views out; grouping, counting, caps and
pagination live here so every format agrees on them. A view reads findings from a
source: a Report in memory (MemorySource) or a stored analysis run read a page at a
time (source.StoredFindings). Counts come from one pass over the findings into running
counters (FindingTotals); requests are read a page at a time when the renderer reaches
them, so a report of 40,000 findings never holds them all.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

from analyzer.models.report import Finding, Report, RequestProof, RuleInfo
from analyzer.report.parts import FindingSource, ReportParts, as_parts
from analyzer.report.timeline import call_lane, finding_lane, lane_order
from analyzer.report.totals import FindingTotals

# Requests shown with full proof; the rest go to a compact table (one row per request).
DETAILED_REQUESTS = 100
DETAILED_CALLS = 100
COMPACT_PAGE_SIZE = 500
ROW_CHUNK = 50  # requests read (and rendered) at once within a compact page
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
class CompactPage:
    """One page of compact request rows; its rows are read ROW_CHUNK requests at a time."""

    view: "ReportView"
    index: int
    keys: list[Any]

    def chunks(self) -> Iterator[list[RequestGroup]]:
        for i in range(0, len(self.keys), ROW_CHUNK):
            yield self.view._groups(self.view.source.groups_for(self.keys[i:i + ROW_CHUNK], proofs=False))


@dataclass
class ReportView:
    report: Report
    prefix: str
    source: FindingSource
    totals: FindingTotals
    verdicts: list[Verdict]
    sdk_rows: list[SdkRow]
    redacted: bool
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    sentence: str = ""

    @property
    def violation_count(self) -> int:
        return sum(1 for v in self.verdicts if v.violated)

    @property
    def finding_count(self) -> int:
        return self.source.finding_count

    @property
    def request_count(self) -> int:
        return self.source.request_count

    @property
    def call_count(self) -> int:
        return self.source.call_count

    def requests(self, start: int, stop: int | None) -> list[RequestGroup]:
        """Request groups start..stop in display order, read when asked for."""
        return self._groups(self.source.groups(start, stop))

    def _groups(self, groups) -> list[RequestGroup]:
        out = []
        for proof, findings in groups:
            views = [finding_view(f, self.prefix) for f in findings]
            out.append(RequestGroup(f"{self.prefix}r-{findings[0].flow.id}", proof, views, views[0].lane))
        return out

    @cached_property
    def detailed_requests(self) -> list[RequestGroup]:
        return self.requests(0, DETAILED_REQUESTS)

    @property
    def compact_page_count(self) -> int:
        rest = max(self.request_count - DETAILED_REQUESTS, 0)
        return (rest + COMPACT_PAGE_SIZE - 1) // COMPACT_PAGE_SIZE

    def compact_pages(self) -> Iterator["CompactPage"]:
        """The requests after the detailed ones, a page at a time (never all at once)."""
        for i in range(self.compact_page_count):
            start = DETAILED_REQUESTS + i * COMPACT_PAGE_SIZE
            yield CompactPage(self, i + 1, self.source.group_keys(start, start + COMPACT_PAGE_SIZE))

    @cached_property
    def detailed_calls(self) -> list[FindingView]:
        return [finding_view(f, self.prefix) for f in self.source.calls(0, DETAILED_CALLS)]

    @property
    def compact_call_count(self) -> int:
        return max(self.call_count - DETAILED_CALLS, 0)

    @property
    def proof_count(self) -> int:
        return self.source.proof_count

    def proofs(self, limit: int) -> list[RequestProof]:
        """The first LIMIT request proofs, in capture order."""
        out: list[RequestProof] = []
        proofs = self.source.iter_proofs()
        for proof in proofs:
            if len(out) >= limit:
                break
            out.append(proof)
        close = getattr(proofs, "close", None)
        if close is not None:
            close()
        return out

    def compact_call_pages(self) -> Iterator[list[FindingView]]:
        """The flow-less findings after the detailed ones, a page at a time."""
        start, step = DETAILED_CALLS, ROW_CHUNK * 4
        while start < self.call_count:
            yield [finding_view(f, self.prefix) for f in self.source.calls(start, start + step)]
            start += step


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


def rule_catalog(report: Report, totals: FindingTotals) -> dict[str, RuleInfo]:
    """Rules of the report plus stand-ins for rules that only appear in findings."""
    rules = {r.id: r for r in report.rules}
    for rule in sorted(totals.first_rules):
        if rule not in rules:
            rules[rule] = RuleInfo(id=rule, title=rule, severity="medium")
    return rules


def verdicts_of(totals: FindingTotals, rules: dict[str, RuleInfo]) -> list[Verdict]:
    verdicts = [Verdict(rule, totals.rule_counts.get(rule.id, 0), dict(totals.rule_phases.get(rule.id, {})),
                        totals.rule_requests.get(rule.id, 0))
                for rule in _ordered_rules(rules)]
    return sorted(verdicts, key=lambda v: not v.violated)  # violations first, then what passed


def plan_sentence(report: Report, totals: FindingTotals, verdicts: list[Verdict], L) -> str:
    """One sentence for a consent plan: the rules it violated (with counts and SDKs), then what passed."""
    violated = [v for v in verdicts if v.violated]
    passed = [v for v in verdicts if not v.violated]
    parts = []
    for v in violated:
        detail = L.fmt("sentence_counts", n=v.count, r=v.requests) if v.requests else L.fmt("sentence_findings", n=v.count)
        sdks = totals.lanes_of(v.rule.id)
        if sdks:
            detail += L["list_sep"] + L.fmt("sentence_sdks", sdks=L["enum_sep"].join(sdks[:6]) + ("…" if len(sdks) > 6 else ""))
        parts.append(f"{L.rule_title(v.rule)}{L['paren_open']}{detail}{L['paren_close']}")
    plan = L.choice(report.session.consent_choice)
    head = L.fmt("sentence_violations", plan=plan, n=len(violated)) if violated else L.fmt("sentence_clean", plan=plan)
    text = head + (L["dash"] + L["clause_sep"].join(parts) if parts else "")
    if passed:
        text += L["sentence_sep"] + L.fmt("sentence_passed", n=len(passed), rules=L["enum_sep"].join(L.rule_title(v.rule) for v in passed))
    return text + L["full_stop"]


def build_view(item: "Report | ReportParts", prefix: str = "", labels=None) -> ReportView:
    from analyzer.report.labels import Labels

    labels = labels or Labels("en")
    parts = as_parts(item)
    report = parts.report
    totals = FindingTotals.of(parts.source)
    rules = rule_catalog(report, totals)
    verdicts = verdicts_of(totals, rules)
    return ReportView(
        report=report,
        prefix=prefix,
        source=parts.source,
        totals=totals,
        verdicts=verdicts,
        sdk_rows=sdk_rows(report, totals),
        redacted=bool((report.model_extra or {}).get("redacted")),
        rules=rules,
        sentence=plan_sentence(report, totals, verdicts, labels),
    )


def sdk_rows(report: Report, totals: FindingTotals) -> list[SdkRow]:
    calls: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, set[str]] = defaultdict(set)
    for c in report.api_calls:
        lane = call_lane(c)
        calls[lane][c.api] += max(c.count, 1)
        if c.kind:
            kinds[lane].add(c.kind)
    for lane, apis in totals.lane_call_apis.items():
        for api in apis:
            calls[lane][api] += 0  # known caller even without the call list
    rows = []
    for lane in lane_order(set(calls) | set(totals.lane_sent) | set(totals.lane_phases)):
        rows.append(
            SdkRow(
                sdk=lane,
                calls=sorted(calls[lane].items(), key=lambda kv: (-kv[1], kv[0])),
                call_kinds=sorted(kinds[lane]),
                sent=sorted(totals.lane_sent[lane].items(), key=lambda kv: (-kv[1], kv[0])),
                hosts=sorted(totals.lane_hosts[lane]),
                phases=sorted(totals.lane_phases[lane].items()),
                requests=totals.lane_requests.get(lane, 0),
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
