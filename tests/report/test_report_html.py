"""HTML report structure, escaping and scale (parsed with the stdlib HTML parser)."""

from __future__ import annotations

import re
import time

import pytest
from report_dom import scan
from report_factory import HOSTILE, make_report

from analyzer.report import render_html
from analyzer.report.timeline import MAX_POINTS_PER_LANE


def test_timeline_has_one_mark_per_consent_event_and_one_point_per_finding(report):
    doc = scan(render_html(report))
    marks = doc.with_class("consent-mark", "g")
    assert [m["data-action"] for m in marks] == ["shown", "granted", "withdrawn"]
    points = doc.with_class("finding-point", "circle")
    assert sorted(p["data-finding-id"] for p in points) == sorted(f.id for f in report.findings)
    assert len(doc.with_class("api-point")) == len(report.api_calls)


def test_phase_bands_follow_consent_decisions(report):
    doc = scan(render_html(report))
    assert [b["data-phase"] for b in doc.with_class("band", "rect")] == ["pre_consent", "post_consent", "post_withdrawal"]
    refused = scan(render_html(make_report(4, choice="refuse")))
    assert [b["data-phase"] for b in refused.with_class("band", "rect")] == ["pre_consent", "post_refusal"]


def test_lanes_one_per_sdk_plus_app_and_unknown(report):
    doc = scan(render_html(report))
    lanes = [g["data-lane"] for g in doc.with_class("lane", "g")]
    assert lanes == ["amap", "pangle", "talkingdata", "umeng", "app", "unknown"]


def test_every_finding_has_its_evidence(report):
    doc = scan(render_html(report))
    articles = {a["data-finding-id"]: a for a in doc.with_class("finding")}
    assert set(articles) == {f.id for f in report.findings}
    for f in report.findings:
        assert articles[f.id]["data-rules"].split() == f.rules and articles[f.id]["data-phase"] == f.phase
    html = render_html(report)
    flowing = [f for f in report.findings if f.flow]
    for f in flowing:
        assert f"POST {f.flow.url} HTTP/1.1".replace("&", "&amp;") in html
        assert f'data-flow-id="{f.flow.id}"' in html
        assert f'<mark class="pii">{f.evidence.matched}</mark>' in html
    assert html.count('class="decode-chain"') == sum(1 for f in report.findings if f.encoding)
    assert "com.umeng.commonsdk.internal.UMInternalData.a(SourceFile:" in html
    assert "android.telephony.TelephonyManager.getImei" in html


def test_verdicts_and_clauses(report):
    doc = scan(render_html(report))
    verdicts = {v["data-rule"]: v for v in doc.with_class("verdict", "tr")}
    counts = {}
    for f in report.findings:
        for rule in f.rules:
            counts[rule] = counts.get(rule, 0) + 1
    for rule in report.rules:
        expected = counts.get(rule.id, 0)
        assert int(verdicts[rule.id]["data-count"]) == expected
        assert verdicts[rule.id]["data-verdict"] == ("violation" if expected else "pass")
    frameworks = {c["data-framework"] for c in doc.with_class("clause")}
    assert {"MIIT-2019", "GB/T 35273-2020", "PIPL", "GDPR"} <= frameworks


def test_metadata_carries_versions_and_hashes(report):
    html = render_html(report)
    assert report.session.hashes["flows_sha256"] in html
    assert "2024.05-1" in html and "Android 13 (mirrored)" in html and "com.labshop.leaky" in html


def test_chinese_labels(report):
    zh = render_html(report, lang="zh")
    assert "同意前发送个人信息" in zh and "撤回后" in zh and "时间线" in zh and 'lang="zh-CN"' in zh
    en = render_html(report, lang="en")
    assert "Personal data sent before consent" in en and "同意前发送个人信息" not in en
    with pytest.raises(ValueError):
        render_html(report, lang="fr")


def test_hostile_payloads_are_escaped(hostile_report):
    html = render_html(hostile_report)
    assert html.count("<script") == 1  # ours, with the nonce
    assert "<img" not in html and "<a href=\"javascript:" not in html and "<div id=\"pwned\"" not in html
    assert html.count("</style>") == 1 and html.count("</svg>") == 1
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html
    doc = scan(html)
    assert doc.title.startswith("Consent compliance evidence report")
    assert not [a for _, a in doc.elements if any(k.startswith("on") for k in a)]
    for payload in HOSTILE[:3]:
        assert payload in doc.text  # shown to the reader as text


def test_strict_content_security_policy(report):
    html = render_html(report, nonce="n0nce")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "script-src 'nonce-n0nce'" in csp and "img-src data:" in csp
    assert '<script nonce="n0nce">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loads from elsewhere


def test_per_app_report_has_a_section_per_choice():
    reports = [make_report(6, choice=c, session_name=f"leaky-{c}") for c in ("accept", "refuse", "none")]
    html = render_html(reports)
    doc = scan(html)
    sections = doc.with_class("session-report", "section")
    assert [s["data-consent-choice"] for s in sections] == ["accept", "refuse", "none"]
    assert len(doc.with_class("consent-mark")) == sum(len(r.consent) for r in reports)
    ids = [a["id"] for _, a in doc.elements if a.get("id")]
    assert len(ids) == len(set(ids))  # anchors unique across sections
    overview = doc.with_class("overview", "table")
    assert overview and "Per-app consent compliance report" in html


def test_large_session_aggregates_points_and_pages_findings():
    big = make_report(3000, choice="accept", with_frequency=False)
    html = render_html(big)
    doc = scan(html)
    bins = doc.with_class("finding-bin", "g")
    points = doc.with_class("finding-point", "circle")
    assert bins, "lanes with many findings are aggregated"
    assert sum(int(b["data-count"]) for b in bins) + len(points) == len(big.findings)
    assert len(points) <= MAX_POINTS_PER_LANE * 6
    shown = {a["data-finding-id"] for a in doc.with_class("finding", "section")}
    rows = {r["data-fid"] for r in doc.elements_with("data-fid", "span")}  # unique 12-character prefixes
    assert not {s[:12] for s in shown} & rows and {s[:12] for s in shown} | rows == {f.id[:12] for f in big.findings if f.flow}
    requests = doc.with_class("request", "article") + doc.with_class("request-row", "tr")
    assert len(requests) == len({f.flow.id for f in big.findings if f.flow})
    assert doc.with_class("page", "details")


def test_ten_thousand_findings_render_fast_and_small():
    big = make_report(10_000, choice="withdraw", items_per_request=2)
    started = time.perf_counter()
    html = render_html(big)
    elapsed = time.perf_counter() - started
    assert elapsed < 15, f"render took {elapsed:.1f}s"
    assert len(html.encode()) < 10 * 1024 * 1024
    flows = {f.flow.id for f in big.findings if f.flow}
    assert html.count('class="request-row"') + html.count('class="request"') == len(flows) == 5000


def test_one_finding_per_item_in_a_request_with_every_rule_and_counts_a_reader_can_check():
    two_items = make_report(12, choice="none", items_per_request=2, with_frequency=False)
    doc = scan(render_html(two_items))
    articles = doc.with_class("request", "article")
    assert len(articles) == 6 and all(a["data-findings"] == "2" for a in articles)
    tags = doc.with_class("rule-tag", "span")
    assert len(tags) == sum(len(f.rules) for f in two_items.findings)
    # per-SDK "sent" counts requests, not findings: umeng sent imei in exactly the requests listed
    html = render_html(two_items)
    umeng_requests = {f.flow.id for f in two_items.findings if f.sdk == "umeng"}
    assert f"imei</span> ({len(umeng_requests)} req.)" in html


def test_summary_sentence_puts_violations_first_then_passes(report):
    doc = scan(render_html(report))
    sentence = doc.with_class("conclusion", "p")
    assert sentence and int(sentence[0]["data-violations"]) > 0
    html = render_html(report)
    start = html.index('class="conclusion"')
    text = html[start:html.index("</p>", start)]
    assert text.index("rules violated") < text.index("Personal data sent after withdrawal") < text.index("Passed")
    verdicts = [v["data-verdict"] for v in doc.with_class("verdict", "tr")]
    assert verdicts == sorted(verdicts, key=lambda v: v != "violation")


def test_request_proof_is_shown(report):
    html = render_html(report)
    proof = report.requests[0]
    assert proof.server_ip in html and "okhttp/3.12.13" in html and 'class="status">200 OK' in html
    assert "com.umeng.commonsdk.internal.UMInternalData.a(SourceFile:" in html
    doc = scan(html)
    frames = doc.with_class("sdk-frame", "code")
    assert frames  # the SDK frame is named, not the framework frame
    zh = render_html(report, lang="zh")
    assert "置信度: high" not in zh and "证据 hook" not in zh and "置信度" in zh


def test_empty_and_odd_reports_render():
    empty = make_report(0, choice="none", with_frequency=False)
    empty.api_calls = []
    empty.consent = []
    doc = scan(render_html(empty))
    assert doc.with_class("no-findings") and not doc.with_class("finding-point")
    odd = make_report(3, choice="accept")
    odd.findings[0].ts = "not a time"
    odd.findings[1].evidence.excerpt_span = [50, 5]
    odd.findings[2].evidence.excerpt = None
    odd.findings[2].rule = "rule-not-in-ruleset"
    html = render_html(odd)
    assert len(scan(html).with_class("finding-point")) == len(odd.findings)
    assert "rule-not-in-ruleset" in html
