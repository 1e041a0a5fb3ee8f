"""Markdown for tickets and the JSON contract."""

from __future__ import annotations

import json

from report_factory import make_report

from analyzer.models.report import REPORT_SCHEMA_ID, Report
from analyzer.report import render_json, render_markdown
from analyzer.report.markdown import md_code


def test_md_code_survives_backticks_pipes_and_newlines():
    assert md_code("plain") == "`plain`"
    assert md_code("a`b") == "`` a`b ``"
    assert md_code("x ``` y") == "```` x ``` y ````"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert "\n" not in md_code("line1\nline2")


def test_markdown_summary_and_groups():
    report = make_report(12, choice="withdraw")
    md = render_markdown(report)
    assert md.startswith("# Consent compliance evidence report")
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(report.rules)
    for line in table[1:]:
        assert line.count("|") - line.count("\\|") == 5  # 4 cells: no stray pipes
    assert "### Requests carrying personal data — 12" in md
    requests = [line for line in md.splitlines() if line.startswith("- **") and "`POST " in line]
    items = [line for line in md.splitlines() if line.startswith("  - **")]
    calls = [line for line in md.splitlines() if line.startswith("- **") and "`POST " not in line]
    assert len(requests) == 12 and len(items) + len(calls) == len(report.findings)
    assert "Personal data sent after withdrawal (`post-withdrawal-transmission`)" in md
    assert "`json:$.d` → `md5`" in md
    assert "**Conclusion:** Consent plan" in md


def test_markdown_escapes_hostile_payloads():
    md = render_markdown(make_report(16, choice="accept", hostile=True))
    for line in md.splitlines():
        # outside code spans nothing from the payloads survives unescaped
        outside = "".join(part for i, part in enumerate(_split_code(line)) if i % 2 == 0)
        assert "<script" not in outside and "<img" not in outside and "javascript:" not in outside


def _split_code(line: str) -> list[str]:
    """Alternating outside/inside parts of a line's code spans (CommonMark fences)."""
    parts, i, current = [], 0, ""
    while i < len(line):
        if line[i] == "`":
            j = i
            while j < len(line) and line[j] == "`":
                j += 1
            fence = line[i:j]
            end = line.find(fence, j)
            while end != -1 and (end + len(fence) < len(line) and line[end + len(fence)] == "`"):
                end = line.find(fence, end + len(fence) + 1)
            if end == -1:
                current += fence
                i = j
                continue
            parts += [current, line[j:end]]
            current, i = "", end + len(fence)
        else:
            current += line[i]
            i += 1
    return parts + [current]


def test_markdown_chinese_and_per_app():
    reports = [make_report(4, choice=c, session_name=f"s-{c}") for c in ("accept", "refuse")]
    md = render_markdown(reports, lang="zh")
    assert md.startswith("# 应用同意合规报告") and "## 按同意选择汇总" in md
    assert "`s-accept`" in md and "`s-refuse`" in md


def test_json_roundtrip_stable_and_utf8():
    report = make_report(12, choice="accept")
    text = render_json(report)
    data = json.loads(text)
    assert data["schema"] == REPORT_SCHEMA_ID
    assert list(data)[:3] == ["schema", "generated_at", "tool"]
    assert [f["id"] for f in data["findings"]] == [f.id for f in report.findings]
    assert "北京" in text and "\\u" not in text
    assert Report.model_validate(data) == report
    assert render_json(report) == text


def test_json_per_app_wrapper():
    reports = [make_report(3, choice=c, session_name=f"s-{c}") for c in ("accept", "none")]
    data = json.loads(render_json(reports))
    assert data["schema"] == "consentry.app-report/1"
    assert [r["session"]["consent_choice"] for r in data["reports"]] == ["accept", "none"]
