"""Evidence reports: HTML, Markdown and JSON renderings of the Report model.

``render(reports, fmt, lang=..., redact=...)`` is the one entry point the CLI uses;
the per-format functions are public for library users. A list of reports of one app
(one per consent choice) renders as a per-app report with a section per choice.
"""

from __future__ import annotations

from typing import Sequence

from analyzer.models.report import Report
from analyzer.report.html import render_html
from analyzer.report.jsonout import render_json
from analyzer.report.labels import LANGUAGES, Labels
from analyzer.report.markdown import render_markdown
from analyzer.report.redact import mask_value, redact_report

FORMATS = ("html", "json", "md", "pdf")

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Labels",
    "mask_value",
    "redact_report",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
]


def render(reports: Report | Sequence[Report], fmt: str, *, lang: str = "en", redact: bool = False) -> str | bytes:
    """Render one report or a per-app set in html|json|md (text) or pdf (bytes), masking personal data if asked."""
    items = [reports] if isinstance(reports, Report) else list(reports)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (choose one of {', '.join(FORMATS)})")
    Labels(lang)  # validates the language for every format
    if redact:
        items = [redact_report(r) for r in items]
    if fmt == "html":
        return render_html(items, lang=lang)
    if fmt == "md":
        return render_markdown(items, lang=lang)
    if fmt == "pdf":
        from analyzer.report.pdf import render_pdf

        return render_pdf(items, lang=lang)
    return render_json(items)
