"""The evidence report as a PDF: page numbers, a methodology, the findings, an appendix
reproducing each request, and templates of a notice to the developer and a complaint to
the authority, in English or Chinese.

Rendered by WeasyPrint from the same Jinja templates and view models as the HTML report
(docs/reports.md says why): one source of truth for what a report shows, CSS paged media
for page numbers, and fonts found through fontconfig and embedded as subsets, so Chinese
text renders on a headless box that has a CJK font (Debian: fonts-wqy-zenhei or
fonts-noto-cjk) and in any PDF reader.
"""

from __future__ import annotations

import datetime as dt

from analyzer.report.html import pdf_context

# A PDF is read on paper: the first requests in full, then a capped list, then the
# appendix; the JSON report and the bundle keep everything.
PDF_DETAILED_REQUESTS = 30
PDF_COMPACT_ROWS = 300
PDF_APPENDIX_REQUESTS = 100


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango) are missing (one-line message)."""


def render_pdf(reports, *, lang: str = "en") -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango/HarfBuzz shared libraries missing
        raise PdfUnavailable(f"PDF output needs WeasyPrint and Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0): {exc}") from None
    html = pdf_context(reports, lang=lang, appendix_limit=PDF_APPENDIX_REQUESTS, compact_limit=PDF_COMPACT_ROWS,
                       detailed_limit=PDF_DETAILED_REQUESTS,
                       printed_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat())
    return HTML(string=html, base_url=None).write_pdf()
