"""Markdown for tickets: a summary table and findings grouped by rule.

Captured text only ever appears inside code spans (fenced with more backticks than it
contains) or escaped, so payloads cannot inject links, HTML or table cells into the
ticket system that renders it.
"""

from __future__ import annotations

import re
from typing import Sequence, TextIO

from analyzer.models.report import Report
from analyzer.report.labels import Labels
from analyzer.report.views import ReportParts, ReportView, build_view, finding_view, overview, split_excerpt

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


MAX_REQUESTS = 50
MAX_CALLS = 50


def _evidence_lines(fv, L: Labels, indent: str) -> list[str]:
    f = fv.finding
    ev = f.evidence
    lines: list[str] = []
    triage = (f.model_extra or {}).get("triage")
    if triage:
        lines.append(f"{indent}- {L['triage']}: **{L.triage(triage['state'])}** · {md_text(triage['reason'])} · "
                     f"{md_text(triage['by'])} · {md_text(triage['at'])}")
    if f.location or ev.path:
        lines.append(f"{indent}- {L['location']}: {md_text(L.location(f.location))} {md_code(ev.path or '')}")
    if f.encoding:
        lines.append(f"{indent}- {L['decode_chain']}: " + " → ".join(md_code(step) for step in f.encoding))
    if ev.matched:
        lines.append(f"{indent}- {L['matched']}: {md_code(ev.matched, limit=200)}")
    if ev.excerpt:
        lines.append(f"{indent}- {L['payload']}: {_excerpt_line(f)}")
    crypto = (ev.model_extra or {}).get("crypto")
    if isinstance(crypto, dict):
        lines.append(f"{indent}- {L['crypto_call']}: {md_code(crypto.get('op', ''))} {md_code(crypto.get('algorithm', ''))}"
                     f" · {L['ciphertext']}: {md_code(crypto.get('ciphertext_b64', ''), limit=120)}")
    call = ev.api_call
    if call is not None:
        lines.append(f"{indent}- {L['hooked_call']}: {md_code(call.api)} ×{call.count}")
    if fv.sdk_frame:
        lines.append(f"{indent}- {L['sdk_frame']}: {md_code(fv.sdk_frame, limit=200)}")
    return lines


def _rules_text(view: ReportView, f, L: Labels) -> str:
    names = []
    for rule in f.rules or [f.rule]:
        info = view.rules.get(rule)
        names.append(f"{md_text(L.rule_title(info)) if info else md_text(rule)} ({md_code(rule)})")
    return "; ".join(names)


def _finding_lines(view: ReportView, L: Labels) -> list[str]:
    lines: list[str] = []
    if view.request_count:
        lines += ["", f"### {L['requests']} — {view.request_count}", ""]
        for g in view.requests(0, MAX_REQUESTS):
            f0, p = g.first, g.proof
            head = f"- **{L.phase(f0.phase)}** · {md_code(f0.flow.method + ' ' + f0.flow.url, limit=400)} · {md_text(f0.ts)}"
            head += f" · {L['sdk']} {md_code(g.lane)}"
            lines.append(head)
            if p is not None:
                server = f"{p.server_ip}:{p.server_port}" if p.server_ip and p.server_port else (p.server_ip or L["unknown"])
                status = str(p.status_code) if p.status_code is not None else L["no_response"]
                lines.append(f"  - {L['response_status']}: {md_text(status)} · {L['server']}: {md_code(server)}"
                             + (f" ({md_text(p.country)})" if p.country else ""))
            for fv in g.findings:
                f = fv.finding
                lines.append(f"  - **{md_text(L.pii(f.pii_type))}** — {_rules_text(view, f, L)} · "
                             f"{L['confidence']} {L.confidence(f.confidence)} · ID {md_code(f.id[:12])}")
                lines += _evidence_lines(fv, L, "    ")
        if view.request_count > MAX_REQUESTS:
            lines.append(f"- … {L.fmt('more_requests', n=view.request_count - MAX_REQUESTS)}")
    if view.call_count:
        lines += ["", f"### {L['api_findings']} — {view.call_count}", ""]
        for f in view.source.calls(0, MAX_CALLS):
            fv = finding_view(f, view.prefix)
            lines.append(f"- **{L.phase(f.phase)}** · {md_text(L.pii(f.pii_type))} · {L['sdk']} {md_code(fv.lane)} · "
                         f"{md_text(f.ts)} — {_rules_text(view, f, L)} · ID {md_code(f.id[:12])}")
            lines += _evidence_lines(fv, L, "  ")
        if view.call_count > MAX_CALLS:
            lines.append(f"- … {L.fmt('more_findings', n=view.call_count - MAX_CALLS)}")
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
    lines += [f"**{L['conclusion']}:** {md_text(view.sentence)}", ""]
    lines += _summary_table(view, L)
    decoding_line = (r.summary.get("decoding") or {}).get("line")
    if decoding_line:  # what the analysis could not see is part of the evidence
        lines += ["", f"> {md_text(decoding_line)}"]
    lines += _finding_lines(view, L) if view.finding_count else ["", L["no_findings"]]
    return lines


def write_markdown(reports, out: TextIO, *, lang: str = "en") -> None:
    out.write(render_markdown(reports, lang=lang))  # capped at MAX_REQUESTS/MAX_CALLS: small whatever the session


def render_markdown(reports: Report | ReportParts | Sequence[Report | ReportParts], *, lang: str = "en") -> str:
    """Ticket-ready Markdown of one report or of a per-app set of sessions."""
    items = [reports] if isinstance(reports, (Report, ReportParts)) else list(reports)
    if not items:
        raise ValueError("no report to render")
    L = Labels(lang)
    per_app = len(items) > 1
    views = [build_view(r, labels=L) for r in items]
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
