"""Triage marks and suppression rules: persistence across re-analysis, audit, reports, diff gate."""

from __future__ import annotations

import json

import pytest
from lab_store import APP, build_lab_store

from analyzer.analysis import analyze_session
from analyzer.analysis.findings import finding_json
from analyzer.replay import diff_sessions, replay_session
from analyzer.report import render
from analyzer.report.build import build_report
from analyzer.triage import (
    TriageError,
    add_suppression,
    annotate,
    audit_log,
    clear_mark,
    list_marks,
    list_suppressions,
    remove_suppression,
    set_mark,
)


def current_findings(store, name):
    session = store.get_session(name)
    run = store.current_run(session.id)
    return session, [finding_json(f) for f in store.findings(run.id)]  # triage matches report-JSON rows


def test_mark_survives_reanalysis_and_replay_and_is_audited(store):
    v1, _ = build_lab_store(store)
    session, findings = current_findings(store, v1)
    target = next(f for f in findings if f["destination"] and f["destination"]["host"] == "api.umeng.com")
    mark = set_mark(store, v1, target["id"][:8], "false_positive", reason="test build id, not an IMEI", author="ana")
    assert mark["finding"] == target["id"] and mark["state"] == "false_positive"

    analyze_session(store, v1)
    replay_session(store, v1)
    session, after = current_findings(store, v1)
    annotated = {f["id"]: f for f in annotate(store, session.id, after)}
    assert annotated[target["id"]]["triage"]["state"] == "false_positive"
    assert annotated[target["id"]]["triage"]["by"] == "ana"
    assert sum(1 for f in annotated.values() if "triage" in f) == 1

    set_mark(store, v1, target["id"], "confirmed", reason="value matches the device IMEI", author="bo")
    log = audit_log(store, session_name=v1)
    assert [(e["action"], e["by"]) for e in log] == [("mark", "bo"), ("mark", "ana")]
    assert log[0]["before"]["state"] == "false_positive" and log[0]["after"]["state"] == "confirmed"
    assert clear_mark(store, v1, target["id"], author="bo")
    assert list_marks(store, session_name=v1) == []
    assert audit_log(store, session_name=v1)[0]["action"] == "unmark"


def test_bad_marks_are_refused(store):
    v1, _ = build_lab_store(store)
    _, findings = current_findings(store, v1)
    with pytest.raises(TriageError, match="unknown triage state"):
        set_mark(store, v1, findings[0]["id"], "fine", reason="x", author="ana")
    with pytest.raises(TriageError, match="needs a reason"):
        set_mark(store, v1, findings[0]["id"], "confirmed", reason="  ", author="ana")
    with pytest.raises(TriageError, match="no finding"):
        set_mark(store, v1, "0" * 32, "confirmed", reason="x", author="ana")
    with pytest.raises(TriageError, match="too short"):
        set_mark(store, v1, "ab", "confirmed", reason="x", author="ana")


def test_suppression_rule_applies_store_wide_and_is_listed(store):
    v1, v2 = build_lab_store(store)
    rule = add_suppression(store, app=APP, host="umeng.com", state="accepted_risk",
                           reason="contracted analytics processor", author="lead")
    assert list_suppressions(store)[0]["by"] == "lead"
    for name in (v1, v2):
        session, findings = current_findings(store, name)
        for f in annotate(store, session.id, findings):
            host = (f.get("destination") or {}).get("host")
            assert (f.get("triage", {}).get("state") == "accepted_risk") == (host == "api.umeng.com"), f
    # an explicit mark wins over the rule
    _, findings = current_findings(store, v1)
    umeng = next(f for f in findings if (f.get("destination") or {}).get("host") == "api.umeng.com")
    set_mark(store, v1, umeng["id"], "confirmed", reason="sent before consent", author="ana")
    session = store.get_session(v1)
    states = {f["id"]: f["triage"]["state"] for f in annotate(store, session.id, findings) if "triage" in f}
    assert states[umeng["id"]] == "confirmed"
    remove_suppression(store, rule["id"], author="lead")
    assert list_suppressions(store) == [] and not list_suppressions(store, include_inactive=True)[0]["active"]
    with pytest.raises(TriageError):
        add_suppression(store, app=APP, state="false_positive", reason="everything", author="x")


def test_reports_show_the_marks(store):
    v1, _ = build_lab_store(store)
    _, findings = current_findings(store, v1)
    target = findings[0]
    set_mark(store, v1, target["id"], "false_positive", reason="<b>echo</b> of the request", author="ana")
    report = build_report(store, v1)
    doc = json.loads(render(report, "json"))
    marked = [f for f in doc["findings"] if f.get("triage")]
    assert [f["id"] for f in marked] == [target["id"]]
    assert doc["summary"]["by_triage"]["false_positive"] == 1
    html = render(report, "html")
    assert 'data-triage="false_positive"' in html and "&lt;b&gt;echo&lt;/b&gt;" in html
    md = render(report, "md")
    assert "**false positive**" in md and "\\<b\\>echo" in md


def test_diff_gate_ignores_dismissed_findings(store, run_cli):
    v1, v2 = build_lab_store(store)
    result = diff_sessions(store, v1, v2)
    new_keys = result.diff.new
    assert {e.key.destination for e in new_keys} == {"amap.com"}
    assert result.diff.fails("new") and result.diff.fails("any")
    assert run_cli("--db", store.url, "diff", v1, v2, "--fail-on", "new")[0] == 1

    session, findings = current_findings(store, v2)
    for f in findings:
        if (f.get("destination") or {}).get("host") == "restapi.amap.com":
            set_mark(store, v2, f["id"], "false_positive", reason="IP geolocation of the lab, not the user", author="ana")
    result = diff_sessions(store, v1, v2)
    assert not result.diff.fails("new") and result.diff.fails("any")
    assert result.to_json()["new_findings"][0]["new_dismissed"] >= 1
    code, _out, err = run_cli("--db", store.url, "diff", v1, v2, "--fail-on", "new")
    assert code == 0, err
    assert run_cli("--db", store.url, "diff", v1, v2, "--fail-on", "any")[0] == 1


def test_triage_cli(store, run_cli):
    v1, _ = build_lab_store(store)
    _, findings = current_findings(store, v1)
    fid = findings[0]["id"]
    code, out, err = run_cli("--db", store.url, "triage", "set", v1, fid[:10], "false_positive", "--reason", "dup", "--by", "ana", "--json")
    assert code == 0, err
    assert json.loads(out)["finding"] == fid
    code, out, _ = run_cli("--db", store.url, "triage", "list", "--json", "--session", v1)
    assert [m["finding"] for m in json.loads(out)] == [fid]
    code, out, err = run_cli("--db", store.url, "triage", "suppress", "--app", APP, "--host", "labshop.example",
                             "--first-party", "--reason", "our API", "--by", "lead", "--json")
    assert code == 0, err
    assert json.loads(out)["rule"] == "third-party-transmission"
    code, out, _ = run_cli("--db", store.url, "triage", "suppressions", "--json")
    assert json.loads(out)[0]["by"] == "lead"
    code, out, _ = run_cli("--db", store.url, "triage", "log", "--json")
    assert [e["action"] for e in json.loads(out)] == ["suppress", "mark"]
    code, out, err = run_cli("--db", store.url, "triage", "set", v1, fid, "bogus", "--reason", "x", "--by", "a")
    assert code == 2 and err.count("\n") == 1 and "unknown triage state" in err
    code, out, err = run_cli("--db", store.url, "triage", "set", "no-such-session", fid, "confirmed", "--reason", "x", "--by", "a")
    assert code == 2 and "no session named" in err
    code, out, err = run_cli("--db", store.url, "triage", "unsuppress", "99")
    assert code == 2 and "no active suppression rule 99" in err


def test_triage_migration_matches_the_models(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from analyzer.store.models import Base

    triage_tables = {"triage_marks", "triage_suppressions", "triage_audit"}
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    def table_of(diff) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None and getattr(table, "name", None):
                return table.name
            if name in triage_tables:
                return name
            if isinstance(part, str) and part in triage_tables:
                return part
        return None

    assert [d for d in diffs if table_of(d) in triage_tables] == []
