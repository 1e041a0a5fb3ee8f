"""JUnit XML for CI systems: one test case per finding key of a diff.

A ``new`` finding is a failed test case; fixed, unchanged and moved ones pass. The
evidence goes into ``system-out`` so a CI page shows what leaked where. Captured
content is attacker data: ElementTree escapes markup, and characters XML 1.0 cannot
carry at all (control characters, lone surrogates) are replaced, so the file always
parses.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from analyzer.replay.diff import DiffEntry, DiffResult

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT_CHARS = 64 * 1024


def _xml_text(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return _NOT_XML_CHAR.sub("\ufffd", text)[:MAX_TEXT_CHARS]


def _case_name(entry: DiffEntry) -> str:
    k = entry.key
    who = f" by {k.sdk}" if k.sdk else ""
    where = k.destination or "(no destination)"
    return f"{k.pii_type or '-'} to {where}{who} ({k.phase})"


def _system_out(entry: DiffEntry) -> str:
    lines = [f"status: {entry.status}", f"key: {entry.key.label()}"]
    if entry.moved_from is not None:
        lines.append(f"moved from: {entry.moved_from.label()}")
    lines.append(f"findings: old={entry.old_count} new={entry.new_count}")
    if entry.new_dismissed:
        lines.append(f"dismissed in triage (new): {entry.new_dismissed}")
    if entry.old_hosts:
        lines.append("old hosts: " + ", ".join(entry.old_hosts))
    if entry.new_hosts:
        lines.append("new hosts: " + ", ".join(entry.new_hosts))
    if entry.note:
        lines.append(f"note: {entry.note}")
    for side, examples in (("new", entry.new_examples), ("old", entry.old_examples)):
        for ex in examples:
            lines.append(f"evidence ({side}): " + json.dumps(ex, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + "\n"


def junit_tree(diff: DiffResult, *, suite_name: str, timestamp: str | None = None) -> ET.ElementTree:
    cases = diff.entries
    failing = [e for e in diff.new if e.gating_new_count > 0]
    failures = len(failing)
    root = ET.Element(
        "testsuites", name="consentry diff", tests=str(len(cases)), failures=str(failures), errors="0", time="0"
    )
    suite = ET.SubElement(
        root, "testsuite", name=_xml_text(suite_name), tests=str(len(cases)), failures=str(failures),
        errors="0", skipped=str(len(diff.new) - failures), time="0",
    )
    if timestamp:
        suite.set("timestamp", timestamp)
    for entry in cases:
        case = ET.SubElement(
            suite, "testcase", classname=_xml_text(f"consentry.{entry.key.rule}"), name=_xml_text(_case_name(entry)), time="0"
        )
        if entry.status == "new" and entry.gating_new_count == 0:
            ET.SubElement(case, "skipped", message="every new finding was dismissed in triage")
        elif entry.status == "new":
            failure = ET.SubElement(
                case, "failure", type="new-finding",
                message=_xml_text(f"new finding: {entry.key.label()} ({entry.new_count} in NEW)"),
            )
            failure.text = _xml_text(_system_out(entry))
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(_system_out(entry))
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(diff: DiffResult, path: Path, *, suite_name: str, timestamp: str | None = None) -> None:
    tree = junit_tree(diff, suite_name=suite_name, timestamp=timestamp)
    tmp = path.with_name(path.name + ".tmp")
    tree.write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)
