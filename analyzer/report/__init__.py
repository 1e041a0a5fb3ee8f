"""Evidence reports: HTML, Markdown, JSON and PDF renderings of a report.

``write_report(reports, fmt, out, lang=..., redact=...)`` is the entry point the CLI, the
bundle and the demo use: it writes as it renders, reading findings from the store a page at a
time when given ``ReportParts`` (report.build.stream_report), so a report's memory does
not grow with the session. ``spool_report(...)`` renders the same way into a temporary file
(the dashboard's download: the report is complete before the response starts, so a failure
is still an error page). ``render(...)`` returns the whole text (or PDF bytes) for
library callers; both take one Report/ReportParts or a per-app list (one per consent
choice), which renders as a per-app report with a section per choice.
"""

from __future__ import annotations

import io
import tempfile
from typing import IO, Sequence

from analyzer.models.report import Report
from analyzer.report.html import render_html, write_html
from analyzer.report.jsonout import render_json, write_json
from analyzer.report.labels import LANGUAGES, Labels
from analyzer.report.markdown import render_markdown, write_markdown
from analyzer.report.redact import mask_value, redact_parts, redact_report
from analyzer.report.parts import ReportParts

FORMATS = ("html", "json", "md", "pdf")

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Labels",
    "ReportParts",
    "mask_value",
    "redact_report",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "spool_report",
    "write_report",
]

SPOOL_BYTES = 1 << 20  # a spooled report larger than this goes to a temporary file on disk

Reports = Report | ReportParts | Sequence[Report | ReportParts]


def _prepared(reports: Reports, fmt: str, lang: str, redact: bool) -> list[Report | ReportParts]:
    items = [reports] if isinstance(reports, (Report, ReportParts)) else list(reports)
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r} (choose one of {', '.join(FORMATS)})")
    Labels(lang)  # validates the language for every format
    if redact:
        items = [redact_report(r) if isinstance(r, Report) else redact_parts(r) for r in items]
    return items


def write_report(reports: Reports, fmt: str, out: IO, *, lang: str = "en", redact: bool = False) -> None:
    """Render into OUT as the text is produced: a text stream for html|json|md, binary for pdf."""
    items = _prepared(reports, fmt, lang, redact)
    if fmt == "html":
        write_html(items, out, lang=lang)
    elif fmt == "md":
        write_markdown(items, out, lang=lang)
    elif fmt == "json":
        write_json(items, out)
    else:
        from analyzer.report.pdf import render_pdf

        out.write(render_pdf(items, lang=lang))  # capped pages (pdf.py); WeasyPrint lays out one document


def spool_report(reports: Reports, fmt: str, *, lang: str = "en", redact: bool = False) -> IO[bytes]:
    """The rendered report's bytes in a temporary file (in memory while small), at its start.

    The caller closes it. Text is UTF-8 as ``atomic_output`` writes report files.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        if fmt == "pdf":
            write_report(reports, fmt, spool, lang=lang, redact=redact)
        else:
            text = io.TextIOWrapper(spool, encoding="utf-8", errors="replace", newline="\n")
            write_report(reports, fmt, text, lang=lang, redact=redact)
            text.flush()
            text.detach()  # the spool stays open for the caller
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise


def render(reports: Reports, fmt: str, *, lang: str = "en", redact: bool = False) -> str | bytes:
    """Render one report or a per-app set in html|json|md (text) or pdf (bytes), masking personal data if asked."""
    out: io.StringIO | io.BytesIO = io.BytesIO() if fmt == "pdf" else io.StringIO()
    write_report(reports, fmt, out, lang=lang, redact=redact)
    return out.getvalue()
