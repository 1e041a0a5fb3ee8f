"""build_report: the report JSON of a stored session, checked against the published schema."""

from __future__ import annotations

import json

import jsonschema

from analyzer.analysis import analyze_session
from analyzer.analysis.digest import session_digests
from analyzer.models.report import Report, report_json_schema
from analyzer.report.build import build_report
from analyzer.models.flow import FlowRecord
from tests.analysis import corpus as c


def _validate(data: dict) -> None:
    jsonschema.validate(data, report_json_schema())
    again = Report.model_validate(data).model_dump(mode="json", by_alias=True)
    assert again == data


def test_report_of_an_unanalysed_session(store):
    c.withdraw(store).commit()
    session = store.get_session("withdraw")
    assert store.current_run(session.id) is None
    report = build_report(store, "withdraw")
    data = report.model_dump(mode="json", by_alias=True)
    _validate(data)
    assert data["schema"] == "consentry.report/2"
    assert data["tool"]["ruleset_version"] == "2026.11.1" and data["tool"]["name"] == "consentry"
    assert data["session"]["app"]["package"] == c.PACKAGE and data["session"]["device"]["kind"] == "lab"
    assert data["session"]["flow_count"] == 2 and data["session"]["consent_choice"] == "withdraw-after=3"
    # consent marks: shown, granted, withdrawn (user side) plus the SDK-API call, in time order
    actions = [(m["action"], m["source"], m["changes_phase"]) for m in data["consent"]]
    assert actions == [("shown", "ui", False), ("granted", "ui", True), ("withdrawn", "ui", True), ("refused", "sdk_api", False)]
    verdicts = {v["rule"]: v for v in data["summary"]["verdicts"]}
    assert verdicts["post-withdrawal-transmission"]["status"] == "violation"
    assert verdicts["pre-consent-transmission"]["status"] == "pass" and verdicts["pre-consent-transmission"]["count"] == 0
    assert data["summary"]["by_rule"]["post-withdrawal-transmission"] == 1
    assert data["summary"]["by_sdk"] == {"sensorsdata": len(data["findings"])}  # findings, each with all its rules
    assert [(a["api"], a["phase"], a["sdk"]) for a in data["api_calls"]] == [
        (c.API_OAID, "post_consent", "sensorsdata"), (c.API_OAID, "post_withdrawal", "sensorsdata")]
    rules = {r["id"]: r for r in data["rules"]}
    assert any(cl["framework"] == "PIPL" and "15" in cl["ref"] for cl in rules["post-withdrawal-transmission"]["clauses"])
    # every finding says where, what, when, to whom, who and how sure
    for f in data["findings"]:
        assert f["flow"] or f["evidence"]["api_call"]
        assert f["pii_type"] and f["ts"] and f["confidence"] and f["sdk"] == "sensorsdata"
        if f["flow"]:
            assert f["location"] and f["destination"]["host"] and f["destination"]["party"] == "third"
            assert f["evidence"]["excerpt"] and f["evidence"]["request_line"].startswith("POST https://sa.sensorsdata.cn/")


def test_report_reuses_the_current_run_and_hashes_verify(store):
    c.preconsent_leak(store).commit()
    result = analyze_session(store, "preconsent")
    report = build_report(store, "preconsent")
    assert report.tool["analysis_run"] == str(result.run_id)
    assert [f.id for f in report.findings] == [f["id"] for f in result.findings]
    session = store.get_session("preconsent")
    assert report.session.hashes == session_digests(store, session.id)
    # the flows digest changes when the evidence does
    before = report.session.hashes["flows_sha256"]
    store.add_flows(session.id, [FlowRecord(method="GET", url="https://x.example/", ts_start=c.from_epoch_ms(c.T0 + 9000))])
    assert session_digests(store, session.id)["flows_sha256"] != before
    assert session_digests(store, session.id)["events_sha256"] == report.session.hashes["events_sha256"]


def test_report_json_is_stable(store):
    c.over_frequency(store, calls=120).commit()
    one = build_report(store, "overfreq").model_dump(mode="json", by_alias=True)
    two = build_report(store, "overfreq").model_dump(mode="json", by_alias=True)
    for d in (one, two):
        d.pop("generated_at")
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)
    freq = [f for f in one["findings"] if f["rule"] == "over-frequency-collection"]
    assert freq and freq[0]["evidence"]["total_calls"] == 120
    assert one["summary"]["api_calls_total"] == 5


def test_a_report_of_a_run_analysed_in_this_process_reads_its_events_once(store, monkeypatch):
    c.preconsent_leak(store).commit()
    reads: list[tuple[str, ...]] = []
    real = store.iter_events

    def counting(session_id, *, types=None, **kw):
        reads.append(tuple(types or ()))
        return real(session_id, types=types, **kw)

    monkeypatch.setattr(store, "iter_events", counting)
    context_reads = lambda: sum(1 for t in reads if "api_call" in t)  # noqa: E731 - the context's query
    analyze_session(store, "preconsent")
    assert context_reads() == 1
    first = build_report(store, "preconsent")
    again = build_report(store, "preconsent")  # another format of the same run
    assert context_reads() == 1
    assert again.model_dump(exclude={"generated_at"}) == first.model_dump(exclude={"generated_at"})
    # an event added since the run (a manual mark) is not missed: the context is read again
    session = store.get_session("preconsent")
    store.add_events(session.id, [c.parse_event({"type": "consent", "ts": c.T0 + 99_000, "action": "shown",
                                                 "source": "manual"})], origin="manual")
    later = build_report(store, "preconsent")
    assert context_reads() == 2
    assert len(later.consent) == len(first.consent) + 1
