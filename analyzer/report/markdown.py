"""Markdown for tickets: a summary table and findings grouped by rule.

Captured text only ever appears inside code spans (fenced with more backticks than it
contains) or escaped, so payloads cannot inject links, HTML or table cells into the
ticket system that renders it.
"""

from __future__ import annotations

import re
from typing import Sequence

from analyzer.models.report import Report
from analyzer.report.labels import Labels
from analyzer.report.views import ReportView, build_view, overview, split_excerpt

# Findings listed per rule; the rest are counted (the JSON report has them all).
MAX_PER_RULE = 25
EXCERPT_CHARS = 300
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&])")
_BACKTICK_RUN = re.compile(r"`+")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def md_text(text: object) -> str:
    """Plain text with every Markdown/HTML metacharacter escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(str(text)))


def md_code(text: object, *, in_table: bool = False, limit: int | None = None) -> str:
    """A code span that survives any content: backticks, pipes, newlines, HTML."""
    body = _one_line(str(text))
    if limit is not None and len(body) > limit:
        body = body[:limit] + "…"
    if not body:
        return "` `"
    longest = max((len(run) for run in _BACKTICK_RUN.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if in_table:
        body = body.replace("|", "\\|")
    pad = " " if body.startswith("`") or body.endswith("`") or longest else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _excerpt_line(finding) -> str:
    head, match, tail = split_excerpt(finding)
    head, tail = head[-EXCERPT_CHARS // 2:], tail[:EXCERPT_CHARS // 2]
    if not match:
        return md_code(head, limit=EXCERPT_CHARS)
    return f"{md_code(head)} **{md_code(match)}** {md_code(tail)}" if head or tail else f"**{md_code(match)}**"


def _summary_table(view: ReportView, L: Labels) -> list[str]:
    lines = [
        f"| {L['rule']} | {L['severity']} | {L['verdict']} | {L['count']} |",
        "|---|---|---|---|",
    ]
    for v in view.verdicts:
        verdict = f"**{L['violation']}**" if v.violated else L["pass"]
        lines.append(
            f"| {md_text(L.rule_title(v.rule))} ({md_code(v.rule.id, in_table=True)}) | "
            f"{L.severity(v.rule.severity)} | {verdict} | {v.count} |"
        )
    return lines


def _finding_lines(view: ReportView, L: Labels) -> list[str]:
    lines: list[str] = []
    for group in view.rule_groups:
        lines += ["", f"### {md_text(L.rule_title(group.rule))} ({md_code(group.rule.id)}) — {group.total}", ""]
        shown = 0
        for sdk_group in group.groups:
            for fv in sdk_group.detailed + [fv for page in sdk_group.pages for fv in page]:
                if shown >= MAX_PER_RULE:
                    break
                shown += 1
                f = fv.finding
                dest = f.destination.host if f.destination else ""
                head = f"- **{L.phase(f.phase)}** · {md_text(f.pii_type or '')} · {L['sdk']} {md_code(fv.lane)}"
                if dest:
                    head += f" → {md_code(dest)}"
                lines.append(head + f" · {md_text(f.ts)} · {L['confidence']} {f.confidence} · ID {md_code(f.id)}")
                triage = (f.model_extra or {}).get("triage")
                if triage:
                    lines.append(f"  - {L['triage']}: **{L.triage(triage['state'])}** · {md_text(triage['reason'])} · {md_text(triage['by'])} · {md_text(triage['at'])}")
                if fv.request_line:
                    lines.append(f"  - {L['request']}: {md_code(fv.request_line, limit=400)}")
                if f.encoding:
                    lines.append(f"  - {L['decode_chain']}: " + " → ".join(md_code(step) for step in f.encoding))
                if f.evidence.matched:
                    lines.append(f"  - {L['matched']}: {md_code(f.evidence.matched, limit=200)}")
                if f.evidence.excerpt:
                    lines.append(f"  - {L['payload']}: {_excerpt_line(f)}")
                call = f.evidence.api_call
                if call is not None:
                    lines.append(f"  - {L['hooked_call']}: {md_code(call.api)} ×{call.count}")
                if f.evidence.stack:
                    lines.append(f"  - {L['stack']}: {md_code(f.evidence.stack[0], limit=200)}")
        if group.total > shown:
            lines.append(f"- … {L.fmt('more_findings', n=group.total - shown)}")
    return lines


def _session_lines(view: ReportView, L: Labels, heading: str) -> list[str]:
    r = view.report
    s = r.session
    lines = [
        f"{heading} {L['session']} {md_code(s.name)} — {L['consent_choice']}: {L.choice(s.consent_choice)}",
        "",
        f"{L['package']}: {md_code(s.app.get('package', ''))} · {L['version']}: {md_code(s.app.get('version', ''))}"
        f" · {L['tool']}: {md_code(r.tool.get('name', 'consentry'))} {md_code(r.tool.get('version', ''))}"
        f" · {L['ruleset']}: {md_code(r.tool.get('ruleset_version', ''))}",
        "",
    ]
    lines += _summary_table(view, L)
    lines += _finding_lines(view, L) if view.rule_groups else ["", L["no_findings"]]
    return lines


def render_markdown(reports: Report | Sequence[Report], *, lang: str = "en") -> str:
    """Ticket-ready Markdown of one report or of a per-app set of sessions."""
    items = [reports] if isinstance(reports, Report) else list(reports)
    if not items:
        raise ValueError("no report to render")
    L = Labels(lang)
    per_app = len(items) > 1
    views = [build_view(r) for r in items]
    lines = [f"# {L['app_title'] if per_app else L['title']}", ""]
    if any(v.redacted for v in views):
        lines += [f"> {L['redacted']}", ""]
    if per_app:
        rules, columns = overview(views)
        lines += [f"## {L['overview']}", ""]
        lines.append(f"| {L['rule']} | " + " | ".join(L.choice(c["view"].report.session.consent_choice) for c in columns) + " |")
        lines.append("|---|" + "---|" * len(columns))
        for i, rule in enumerate(rules):
            cells = ["–" if c["counts"][i] is None else str(c["counts"][i]) for c in columns]
            lines.append(f"| {md_text(L.rule_title(rule))} | " + " | ".join(cells) + " |")
        lines.append("")
    for view in views:
        lines += _session_lines(view, L, "##")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
