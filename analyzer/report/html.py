"""Self-contained HTML evidence report (inline CSS and SVG, no external requests).

Captured traffic is attacker data: the page is rendered by Jinja2 with autoescaping
always on, under a Content-Security-Policy that only lets the one nonce'd inline
script run, so a payload carrying markup shows up as text and executes nothing.
"""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, TextIO

from jinja2 import Environment, FileSystemLoader, StrictUndefined

import analyzer
from analyzer.models.report import REPORT_SCHEMA_ID, Report
from analyzer.report.labels import Labels
from analyzer.report.timeline import build_timeline
from analyzer.report.views import STACK_LIMIT, ReportParts, as_parts, build_view, consent_screens, overview

TEMPLATES = Path(__file__).parent / "templates"
SHOW_LIMIT = 4000


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # for every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def show(value: Any) -> str:
    """Any JSON-like value as display text (escaping happens in the template)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text[:SHOW_LIMIT]


def _as_list(reports) -> list[ReportParts]:
    items = [reports] if isinstance(reports, (Report, ReportParts)) else list(reports)
    if not items:
        raise ValueError("no report to render")
    return [as_parts(item) for item in items]


def render_html(reports, *, lang: str = "en", nonce: str | None = None) -> str:
    """One report, or several sessions of one app as a per-app report with a section each."""
    return "".join(_generate("report.html.j2", reports, lang=lang, nonce=nonce))


def write_html(reports, out: TextIO, *, lang: str = "en", nonce: str | None = None) -> None:
    """The HTML report written to OUT as the template produces it (never whole in memory)."""
    for chunk in _generate("report.html.j2", reports, lang=lang, nonce=nonce):
        out.write(chunk)


def pdf_context(reports, *, lang: str, appendix_limit: int, compact_limit: int,
                detailed_limit: int, printed_at: str) -> str:
    """The print document (report_pdf.html.j2) the PDF renderer lays out."""
    return "".join(_generate("report_pdf.html.j2", reports, lang=lang, appendix_limit=appendix_limit,
                             compact_limit=compact_limit, detailed_limit=detailed_limit, printed_at=printed_at, pdf=True))


def _generate(template_name: str, reports, *, lang: str, nonce: str | None = None, **extra: Any) -> Iterator[str]:
    items = _as_list(reports)
    labels = Labels(lang)
    per_app = len(items) > 1
    views = [build_view(r, prefix=f"s{i}-" if per_app else "", labels=labels) for i, r in enumerate(items)]
    overview_rules, overview_columns = overview(views) if per_app else ([], [])
    first = items[0].report
    app = dict(first.session.app)
    tool_version = str(first.tool.get("version") or analyzer.__version__)
    title_bits = [labels["app_title"] if per_app else labels["title"], str(app.get("package", ""))]
    if not per_app:
        title_bits.append(first.session.name)
    template = _environment().get_template(template_name)
    return template.generate(
        **{"pdf": False, **extra},
        L=labels,
        views=views,
        per_app=per_app,
        app=app,
        overview_rules=overview_rules,
        overview_columns=overview_columns,
        any_redacted=any(v.redacted for v in views),
        generated_at=max(item.report.generated_at for item in items),
        tool_version=tool_version,
        schema_id=REPORT_SCHEMA_ID,
        page_title=" — ".join(b for b in title_bits if b),
        nonce=nonce or secrets.token_urlsafe(16),
        timeline=build_timeline,
        consent_screens=consent_screens,
        show=show,
        stack_limit=STACK_LIMIT,
        items=[item.report for item in items],
    )
