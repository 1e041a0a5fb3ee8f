"""--redact: personal data masked everywhere, recognisable, spans still right."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from report_factory import IDENTIFIERS, IMEI, make_report, wire_variant

from analyzer.report import mask_value, redact_report, render


def raw_secrets() -> set[str]:
    values = set(IDENTIFIERS.values())
    for kind, value in IDENTIFIERS.items():
        values.add(wire_variant(kind, value)[0])
    values |= set(IDENTIFIERS["location"].split(","))
    return values


def test_mask_shapes():
    assert mask_value("imei", IMEI) == "3569********809"
    assert mask_value("email", "zhang.wei@labshop.example") == "z********@labshop.example"
    assert mask_value("location", "39.9087243,116.3974965") == "39.9,116.4"
    assert mask_value("mac", "02:1a:2b:3c:4d:5e") == "02:1*:**:**:**:5e"
    assert mask_value("ssid", "Lab") == "***"
    assert mask_value("serial", "R58M12AB") == "R5****AB"


@given(st.text(min_size=1, max_size=80))
@settings(max_examples=200, deadline=None)
def test_mask_never_reveals_the_middle(value):
    masked = mask_value("android_id", value)
    if "@" not in value:
        assert len(masked) == len(value)
    if len(value) >= 12 and "@" not in value:
        middle = value[4:-3]
        assert all(m == "*" or not c.isalnum() for m, c in zip(masked[4:-3], middle))


def test_redacted_report_contains_no_value_in_any_format():
    report = make_report(30, choice="withdraw", hostile=True)
    for fmt in ("html", "md", "json"):
        out = render(report, fmt, redact=True)
        leaked = [s for s in raw_secrets() if s in out]
        assert not leaked, f"{fmt} leaks {leaked}"
    plain = render(report, "json")
    assert IMEI in plain and hashlib.md5(IMEI.encode()).hexdigest() in plain  # the unredacted one does carry them


def test_excerpt_span_points_at_masked_text():
    report = make_report(12, choice="accept")
    redacted = redact_report(report)
    for before, after in zip(report.findings, redacted.findings):
        ev = after.evidence
        if ev.excerpt is None:
            continue
        s, e = ev.excerpt_span
        assert ev.excerpt[s:e] == ev.matched
        assert ev.matched != before.evidence.matched
        # text around the match is kept (masking only touches personal data)
        assert ev.excerpt[:s].endswith('"d": "')
    assert report.findings[0].evidence.value == IMEI  # input untouched


def test_location_rounded_everywhere_including_api_return_values():
    redacted = redact_report(make_report(12, choice="refuse"))
    data = json.dumps(redacted.model_dump(mode="json", by_alias=True), ensure_ascii=False)
    assert "39.9087243" not in data and "116.3974965" not in data
    loc_calls = [c for c in redacted.api_calls if c.kind == "location"]
    assert loc_calls and all(c.ret["lat"] == 39.9 and c.ret["lon"] == 116.4 for c in loc_calls)


def test_values_in_urls_and_request_lines_masked():
    redacted = redact_report(make_report(12, choice="accept"))
    party = [f for f in redacted.findings if f.pii_type == "android_id" and f.flow]
    assert party
    for f in party:
        assert "aid=9774*********49c" in f.flow.url and IDENTIFIERS["android_id"] not in f.evidence.request_line
    assert redacted.model_extra.get("redacted") is True
