"""One finding per (request, personal-data item) with every rule it breaks; stable ids."""

from __future__ import annotations

import json

from analyzer.analysis import analyze_session
from analyzer.store import open_store
from tests.analysis import corpus as c


def three_posts(store, name="three"):
    """Three cleartext POSTs to a third party before consent, each with IMEI twice and the Android ID."""
    b = c.SessionBuilder(store, name, consent_choice="accept")
    b.call(100, c.API_IMEI, "imei", c.IMEI, c.UMENG_STACK)
    b.call(110, c.API_AID, "android_id", c.ANDROID_ID, c.UMENG_STACK)
    for i in range(3):
        b.flow(400 + i * 100, "POST", f"http://ulogs.umeng.com/u?imei={c.IMEI}&n={i}",
               json.dumps({"imei": c.IMEI, "aid": c.ANDROID_ID}), [("Content-Type", "application/json")])
    b.dialog(2000)
    b.consent(2500, "granted")
    return b


def test_three_posts_give_one_finding_per_request_and_item(sqlite_url):
    store = open_store(sqlite_url)
    three_posts(store).commit()
    findings = analyze_session(store, "three").findings
    flow_findings = [f for f in findings if f["flow"]]
    assert len(flow_findings) == 6  # 3 requests x (imei, android_id)
    assert len({(f["flow"]["id"], f["pii_type"], f["evidence"]["value"]) for f in flow_findings}) == 6
    imei = [f for f in flow_findings if f["pii_type"] == "imei"]
    for f in imei:
        assert f["rules"] == ["pre-consent-transmission", "cleartext-transmission", "third-party-transmission"]
        assert f["rule"] == "pre-consent-transmission"
        assert {o["location"] for o in f["evidence"]["occurrences"]} == {"query", "body"}
    # API calls: one finding per call group, not per rule
    calls = [f for f in findings if not f["flow"]]
    assert {(f["pii_type"], tuple(f["rules"])) for f in calls} == {("imei", ("pre-consent-api-call",)), ("android_id", ("pre-consent-api-call",))}


def test_ids_are_stable_across_reanalysis_and_rulesets(sqlite_url):
    store = open_store(sqlite_url)
    three_posts(store).commit()
    first = analyze_session(store, "three").findings
    again = analyze_session(store, "three").findings
    assert [f["id"] for f in first] == [f["id"] for f in again]
    fewer = analyze_session(store, "three", rules_config={"disabled_rules": ["cleartext-transmission"]}).findings
    assert {f["id"] for f in fewer if f["flow"]} == {f["id"] for f in first if f["flow"]}
    assert all("cleartext-transmission" not in f["rules"] for f in fewer)


def test_report_counts_what_a_reader_can_count(sqlite_url, run, tmp_path):
    store = open_store(sqlite_url)
    three_posts(store).commit()
    out = tmp_path / "r.json"
    result = run("report", "three", "--format", "json", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    assert doc["schema"] == "consentry.report/2"
    assert len(doc["requests"]) == 3
    for proof in doc["requests"]:
        assert proof["status_code"] == 200 and proof["method"] == "POST"
        assert ["Content-Type", "application/json"] in proof["request_headers"]
        assert len(proof["finding_ids"]) == 2
    md = run("report", "three", "--format", "md").stdout
    assert "cleartext-transmission" in md and md.count("`POST http://ulogs.umeng.com") == 3
    html = run("report", "three", "--format", "html").stdout
    assert "android_id</span> (3 req.)" in html and "imei</span> (3 req.)" in html
    verdict = doc["summary"]["by_rule"]
    assert verdict["pre-consent-transmission"] == 6 and verdict["third-party-transmission"] == 6


def test_schema_report_documents_rules_and_requests(run):
    result = run("schema", "report")
    schema = json.loads(result.stdout)
    assert schema["$id"] == "consentry.report/2"
    assert "rules" in schema["$defs"]["Finding"]["properties"]
    assert "RequestProof" in schema["$defs"] and "server_ip" in schema["$defs"]["RequestProof"]["properties"]


def test_diff_still_compares_per_rule(sqlite_url):
    from analyzer.replay.diff import diff_findings

    store = open_store(sqlite_url)
    three_posts(store, "old").commit()
    three_posts(store, "new").commit()
    old = store.findings(analyze_session(store, "old").run_id)
    new = store.findings(analyze_session(store, "new", rules_config={"disabled_rules": ["cleartext-transmission"]}).run_id)
    result = diff_findings(old, new)
    fixed = {e.key.rule for e in result.fixed}
    assert fixed == {"cleartext-transmission"}
    assert {e.key.rule for e in result.unchanged} >= {"pre-consent-transmission", "third-party-transmission"}


def test_findings_are_built_typed_and_stored_as_the_json_of_that_type(sqlite_url):
    import pytest
    from pydantic import ValidationError

    from analyzer.analysis.findings import finding_json, new_finding
    from analyzer.models.report import Finding

    store = open_store(sqlite_url)
    three_posts(store, "typed").commit()
    result = analyze_session(store, "typed")
    stored = store.findings(result.run_id)
    assert stored and all(isinstance(f, Finding) for f in stored)  # the store hands back the typed model
    # what is stored reads back into the report's type unchanged
    assert [finding_json(f) for f in stored] == list(result.findings)
    # the one constructor refuses what the report contract does not allow
    with pytest.raises(ValidationError):
        new_finding(id="x", rules={"rule": "r", "rules": ["r"], "rule_confidence": {"r": "high"}, "confidence": "high"},
                    phase="sometime", pii_type="imei", ts="2026-01-01T00:00:00+00:00", evidence={})
