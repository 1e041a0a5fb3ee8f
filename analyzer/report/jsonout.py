"""The report JSON contract (``consentry.report/2``) as text.

Key order follows the models (stable across runs), findings stay in the order the
analysis gave them, and text is UTF-8 with non-ASCII kept as is (Chinese stays readable).

The text is written incrementally: the small parts of a report are encoded whole,
``findings`` and ``requests`` one item at a time as the source yields them, with the
same indentation ``json.dumps(..., indent=2)`` gives the whole document, so a streamed
report is byte for byte the report encoded at once.
"""

from __future__ import annotations

import io
import json
from typing import Any, Iterable, Sequence, TextIO

from analyzer.models.report import Report
from analyzer.report.parts import ReportParts, as_parts

APP_REPORT_SCHEMA_ID = "consentry.app-report/1"
_STREAMED = ("findings", "requests")


class _Items:
    """A JSON array written an item at a time."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


class _Object(dict):
    """A JSON object whose values may be streamed (written key by key)."""


def report_dict(report: Report) -> dict[str, Any]:
    return report.model_dump(mode="json", by_alias=True)


def _report_value(parts: ReportParts) -> _Object:
    head = parts.report.model_dump(mode="json", by_alias=True, exclude=set(_STREAMED))
    field_keys = [f.alias or name for name, f in Report.model_fields.items()]
    out = _Object()
    for key in field_keys + [k for k in head if k not in field_keys]:
        if key == "findings":
            out[key] = _Items(f.model_dump(mode="json", by_alias=True) for _pos, f in parts.source.iter_findings())
        elif key == "requests":
            out[key] = _Items(p.model_dump(mode="json", by_alias=True) for p in parts.source.iter_proofs())
        elif key in head:
            out[key] = head[key]
    return out


def _write(out: TextIO, value: Any, level: int) -> None:
    pad = "  " * level
    if isinstance(value, _Items):
        first = True
        for item in value.items:
            out.write("[\n" if first else ",\n")
            first = False
            out.write(pad + "  ")
            _write(out, item, level + 1)
        out.write("[]" if first else "\n" + pad + "]")
    elif isinstance(value, _Object):
        if not value:
            out.write("{}")
            return
        out.write("{\n")
        for i, (key, item) in enumerate(value.items()):
            out.write((",\n" if i else "") + pad + "  " + json.dumps(key, ensure_ascii=False) + ": ")
            _write(out, item, level + 1)
        out.write("\n" + pad + "}")
    else:  # json.dumps puts newlines only between tokens (never inside strings)
        out.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad))


def write_json(reports: Report | ReportParts | Sequence[Report | ReportParts], out: TextIO, *, end: str = "\n") -> None:
    """One report object, or for several sessions of one app a wrapper holding each of them."""
    items = [reports] if isinstance(reports, (Report, ReportParts)) else list(reports)
    if not items:
        raise ValueError("no report to render")
    parts = [as_parts(item) for item in items]
    if len(parts) == 1:
        value: Any = _report_value(parts[0])
    else:
        value = _Object(schema=APP_REPORT_SCHEMA_ID, app=parts[0].report.session.app,
                        reports=_Items(_report_value(p) for p in parts))
    _write(out, value, 0)
    out.write(end)


def render_json(reports: Report | ReportParts | Sequence[Report | ReportParts]) -> str:
    buffer = io.StringIO()
    write_json(reports, buffer)
    return buffer.getvalue()
