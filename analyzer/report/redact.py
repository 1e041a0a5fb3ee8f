"""Masking personal data in a report (``--redact``).

A redacted report must still let a reader recognise which identifier leaked (the lab
knows its device's IMEI) without publishing it. Redaction runs on the Report model,
before any renderer, so HTML, Markdown and JSON carry the same masked text. Every
known value and every on-the-wire variant of it (hashes, encodings) is replaced
wherever it appears: evidence, excerpts, URLs, request lines, API return values,
stacks and metadata. ``excerpt_span`` is moved so it still covers the masked match.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from analyzer.models.report import Evidence, Finding, Report, RequestProof
from analyzer.report.parts import ReportParts

MASK = "*"
# Needles shorter than this are only masked inside the evidence fields that point at
# them; replacing e.g. a 3-letter SSID everywhere would garble unrelated text.
MIN_GLOBAL_NEEDLE = 4
# Fields that name things or times rather than carry captured data; all others are searched.
_STRUCTURAL_KEYS = frozenset(
    {"schema", "id", "rule", "rules", "rule_confidence", "finding_ids", "phase", "pii_type", "confidence", "party",
     "framework", "ref",
     "severity", "action", "ts", "generated_at", "started_at", "ended_at", "excerpt_span"}
)
_FLOAT = re.compile(r"-?\d{1,3}\.\d{2,}")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _mask_middle(text: str, keep_head: int, keep_tail: int) -> str:
    """Mask letters and digits between head and tail; separators stay for readability."""
    end = len(text) - keep_tail
    middle = "".join(MASK if ch.isalnum() else ch for ch in text[keep_head:end])
    return text[:keep_head] + middle + text[end:]


def mask_token(text: str) -> str:
    """Length-preserving mask: long values keep their first 4 and last 3 characters."""
    n = len(text)
    if n >= 12:
        return _mask_middle(text, 4, 3)
    if n >= 8:
        return _mask_middle(text, 2, 2)
    if n >= 4:
        return _mask_middle(text, 1, 1)
    return MASK * n


def round_coordinates(text: str) -> str:
    """Coordinates rounded to one decimal (about 11 km): the city stays, the house goes."""
    return _FLOAT.sub(lambda m: f"{float(m.group(0)):.1f}", text)


def mask_email(text: str) -> str:
    return _EMAIL.sub(lambda m: m.group(1)[:1] + MASK * (len(m.group(1)) - 1) + "@" + m.group(2), text)


def mask_value(kind: str | None, value: str) -> str:
    """The masked form of one personal data value of the given PII kind."""
    if not value:
        return value
    if kind == "location" or (kind in (None, "cell_id") and _looks_like_coordinates(value)):
        rounded = round_coordinates(value)
        if rounded != value:
            return rounded
    if _EMAIL.search(value):
        return mask_email(value)
    return mask_token(value)


def _looks_like_coordinates(value: str) -> bool:
    return bool(re.fullmatch(r"\s*-?\d{1,3}\.\d+\s*,\s*-?\d{1,3}\.\d+\s*", value))


class _Masker:
    """Replaces every known needle in strings and keeps track of offset shifts."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self.pairs = {k: v for k, v in pairs.items() if k and k != v}
        needles = sorted((k for k in self.pairs if len(k) >= MIN_GLOBAL_NEEDLE), key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in needles)) if needles else None

    def text(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda m: self.pairs[m.group(0)], text)

    def excerpt(self, excerpt: str, span: list[int] | None, matched_mask: str | None) -> tuple[str, list[int] | None]:
        """Mask an excerpt and return the span moved onto the masked match."""
        if not span or len(span) != 2 or not (0 <= span[0] <= span[1] <= len(excerpt)):
            return self.text(excerpt), span
        start, end = span
        head, body, tail = excerpt[:start], excerpt[start:end], excerpt[end:]
        masked_body = self.pairs.get(body) or matched_mask or mask_token(body)
        if body and masked_body == body:
            masked_body = mask_token(body)
        masked_head, masked_tail = self.text(head), self.text(tail)
        new_start = len(masked_head)
        return masked_head + masked_body + masked_tail, [new_start, new_start + len(masked_body)]

    def walk(self, obj: Any, key: str | None = None) -> Any:
        if key in _STRUCTURAL_KEYS:
            return obj
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.walk(item) for item in obj]
        if isinstance(obj, dict):
            return {k: self.walk(v, k) for k, v in obj.items()}
        return obj


def _value_pairs(report: Report, findings: Iterable[Finding] | None = None) -> dict[str, str]:
    """Every personal data string in the report mapped to its masked form."""
    pairs: dict[str, str] = {}

    def add(kind: str | None, value: Any) -> None:
        if isinstance(value, str) and value.strip():
            pairs.setdefault(value, mask_value(kind, value))
            if kind == "location" and "," in value:
                for part in value.split(","):
                    part = part.strip()
                    if part:
                        pairs.setdefault(part, round_coordinates(part))

    for finding in report.findings if findings is None else findings:
        ev = finding.evidence
        add(finding.pii_type, ev.value)
        add(finding.pii_type, ev.matched)
        if ev.api_call is not None:
            _add_ret(add, ev.api_call.kind or finding.pii_type, ev.api_call.ret)
    for call in report.api_calls:
        _add_ret(add, call.kind, call.ret)
    for ident in _extra_identifiers(report):
        add(ident.get("kind"), ident.get("value"))
    return pairs


def _add_ret(add, kind: str | None, ret: Any) -> None:
    if kind is None:
        return
    for leaf in _leaves(ret):
        add(kind, leaf)


def _leaves(obj: Any, depth: int = 0) -> Iterable[str]:
    if depth > 20:
        return
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield repr(obj)
    elif isinstance(obj, list):
        for item in obj:
            yield from _leaves(item, depth + 1)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _leaves(item, depth + 1)


def _extra_identifiers(report: Report) -> list[dict[str, Any]]:
    """Identifier sets a builder may attach (report.identifiers / session.identifiers)."""
    found: list[dict[str, Any]] = []
    for holder in (report.model_extra or {}, report.session.model_extra or {}):
        idents = holder.get("identifiers")
        if isinstance(idents, list):
            found.extend(i for i in idents if isinstance(i, dict))
    return found


def _redact_evidence(masker: _Masker, pii_type: str | None, ev: Evidence) -> dict[str, Any]:
    data = ev.model_dump(mode="json")
    matched_mask = masker.pairs.get(ev.matched or "") or (mask_value(pii_type, ev.matched) if ev.matched else None)
    if ev.excerpt is not None:
        excerpt, span = masker.excerpt(ev.excerpt, ev.excerpt_span, matched_mask)
        data["excerpt"], data["excerpt_span"] = excerpt, span
    for field in ("value", "matched"):
        raw = data.get(field)
        if isinstance(raw, str):
            data[field] = masker.pairs.get(raw) or mask_value(pii_type, raw)
    rest = {k: v for k, v in data.items() if k not in ("excerpt", "excerpt_span", "value", "matched")}
    data.update(masker.walk(rest))
    return data


def _mask_ret(masker: _Masker, kind: str | None, ret: Any, walked: Any, depth: int = 0) -> Any:
    """A hooked call's return value with its leaves masked as the call's PII kind."""
    if kind is None or depth > 20:
        return walked
    if isinstance(ret, str):
        return masker.pairs.get(ret) or mask_value(kind, ret)
    if isinstance(ret, float) and kind == "location":
        return round(ret, 1)
    if isinstance(ret, list) and isinstance(walked, list):
        return [_mask_ret(masker, kind, r, w, depth + 1) for r, w in zip(ret, walked)]
    if isinstance(ret, dict) and isinstance(walked, dict):
        return {k: _mask_ret(masker, kind, ret[k], walked.get(k), depth + 1) for k in ret}
    return walked


def _redact_finding(masker: _Masker, finding: Finding, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = finding.model_dump(mode="json", by_alias=True) if raw is None else raw
    raw["evidence"] = _redact_evidence(masker, finding.pii_type, finding.evidence)
    for key, value in list(raw.items()):
        if key != "evidence":
            raw[key] = masker.walk(value, key)
    call = finding.evidence.api_call
    if call is not None:
        raw_call = raw["evidence"]["api_call"]
        raw_call["ret"] = _mask_ret(masker, call.kind or finding.pii_type, call.ret, raw_call["ret"])
    return raw


def _redact_rest(masker: _Masker, report: Report, data: dict[str, Any]) -> dict[str, Any]:
    """Everything but the findings: walked for known values, call return values masked by kind."""
    for key in list(data):
        if key != "findings":
            data[key] = masker.walk(data[key], key)
    for raw_call, call in zip(data.get("api_calls", []), report.api_calls):
        raw_call["ret"] = _mask_ret(masker, call.kind, call.ret, raw_call["ret"])
    data.setdefault("summary", {})
    data["redacted"] = True
    return data


def redact_report(report: Report) -> Report:
    """A copy of the report with every personal data value masked (the input is untouched)."""
    masker = _Masker(_value_pairs(report))
    data = report.model_dump(mode="json", by_alias=True)
    data["findings"] = [_redact_finding(masker, f, raw) for raw, f in zip(data["findings"], report.findings)]
    return Report.model_validate(_redact_rest(masker, report, data))


def redact_parts(parts: ReportParts) -> ReportParts:
    """The same masking for a report whose findings are read from a source: the known
    values are gathered in one pass, then each finding and proof is masked as it is read."""
    from analyzer.report.parts import MemorySource

    if isinstance(parts.source, MemorySource):
        return ReportParts(redact_report(parts.source.report), MemorySource(redact_report(parts.source.report)))
    report = parts.report
    masker = _Masker(_value_pairs(report, (f for _pos, f in parts.source.iter_findings())))
    data = report.model_dump(mode="json", by_alias=True)
    data["findings"], data["requests"] = [], []
    head = Report.model_validate(_redact_rest(masker, report, data))

    def finding(f: Finding) -> Finding:
        return Finding.model_validate(_redact_finding(masker, f))

    def proof(p: RequestProof) -> RequestProof:
        return RequestProof.model_validate(masker.walk(p.model_dump(mode="json", by_alias=True)))

    return ReportParts(head, parts.source.mapped(finding, proof))
