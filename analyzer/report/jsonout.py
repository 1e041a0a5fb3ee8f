"""The report JSON contract (``consentry.report/2``) as text.

Key order follows the models (stable across runs), findings stay in the order the
analysis gave them, and text is UTF-8 with non-ASCII kept as is (Chinese stays readable).
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from analyzer.models.report import Report

APP_REPORT_SCHEMA_ID = "consentry.app-report/1"


def report_dict(report: Report) -> dict[str, Any]:
    return report.model_dump(mode="json", by_alias=True)


def render_json(reports: Report | Sequence[Report]) -> str:
    """One report object, or for several sessions of one app a wrapper holding each of them."""
    if isinstance(reports, Report):
        data: Any = report_dict(reports)
    else:
        items = list(reports)
        if not items:
            raise ValueError("no report to render")
        if len(items) == 1:
            data = report_dict(items[0])
        else:
            data = {
                "schema": APP_REPORT_SCHEMA_ID,
                "app": items[0].session.app,
                "reports": [report_dict(r) for r in items],
            }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
