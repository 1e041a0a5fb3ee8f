"""Replay, replay --all and diff on the real analysis pipeline, through the CLI entry point (in-process).

Sessions are recorded through the store API (identifier and consent events, flows
carrying the identifiers), then analysed by `consentry replay` / `consentry diff`.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from replay_sessions import DEVICE, T0, Send, recorded

from analyzer import analysis
from analyzer.analysis.findings import finding_json

LEAKY = [
    Send(1, "https://api.labshop.example/v1/home", ("android_id",)),
    Send(2, "https://ulogs.umeng.com/unify_logs", ("imei",)),
    Send(3, "https://ulogs.umeng.com/unify_logs", ("imei",)),
    Send(4, "https://ulogs.umeng.com/unify_logs", ("imei",)),
    Send(5, "https://t.appsflyer.com/api/v4/androidevent", ("android_id",)),
    Send(6, "https://tsis.jpush.cn/v3/report", ("oaid",), in_query=True),
    Send(40, "https://ulogs.umeng.com/unify_logs", ("imei",)),  # after consent
]
# v2: umeng once, appsflyer gone, jpush moved to its jiguang.cn endpoint, AMap is new
LEAKY_V2 = [
    Send(1, "https://api.labshop.example/v1/home", ("android_id",)),
    Send(2, "https://ulogs.umeng.com/unify_logs", ("imei",)),
    Send(6, "https://tsis.jiguang.cn/v3/report", ("oaid",), in_query=True),
    Send(7, "https://restapi.amap.com/v3/geocode/regeo", ("location",), in_query=True),
]


def _report_json(cli, store, name: str) -> dict:
    """The report JSON without what names the run (when it was generated/analysed, the run id)."""
    r = cli("report", name, "--format", "json")
    if r.returncode != 0 and "no report builder" in r.stderr:
        run = store.current_run(store.get_session(name).id)
        return {"findings": [finding_json(f) for f in store.findings(run.id)]}
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    doc.pop("generated_at", None)
    for run_identity in ("analysis_run", "analysed_at"):
        doc.get("tool", {}).pop(run_identity, None)
    return doc


def _findings_by_meaning(store, name: str) -> list[tuple]:
    sess = store.get_session(name)
    run = store.current_run(sess.id)
    return sorted(
        (f.rule, f.phase, f.pii_type or "", f.flow.url if f.flow else "", f.location or "", json.dumps(f.encoding),
         f.sdk or "")
        for f in store.findings(run.id)
    )


def test_replay_is_deterministic(cli, cli_store):
    recorded(cli_store, "s1", LEAKY, consent_at_s=30)
    first = cli("replay", "s1", "--json")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert doc["previous_run"] is None and doc["run"]["findings"] > 0
    report_a = _report_json(cli, cli_store, "s1")

    again = cli("replay", "s1", "--json")
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert doc["identical"] is True and doc["changed_findings"] == 0 and doc["verdict_changes"] == []
    assert doc["ruleset_changed"] is False
    report_b = _report_json(cli, cli_store, "s1")
    a = json.dumps(report_a, sort_keys=True, ensure_ascii=False, indent=1).encode()
    b = json.dumps(report_b, sort_keys=True, ensure_ascii=False, indent=1).encode()
    assert a.decode().splitlines() == b.decode().splitlines()
    text = cli("replay", "s1")
    assert "findings identical to the previous run (0 changed" in text.stdout


def test_replay_reports_changed_findings_and_verdicts(cli, cli_store):
    recorded(cli_store, "s1", LEAKY, consent_at_s=30)
    assert cli("replay", "s1").returncode == 0
    sess = cli_store.get_session("s1")
    run = cli_store.current_run(sess.id)
    findings = cli_store.findings(run.id)
    rule = findings[0].rule
    # an earlier run with the same ruleset that missed one finding and had one extra
    extra = findings[0].model_copy(update={"id": "0" * 24})
    stale = findings[1:] + [extra]
    stale_run = cli_store.start_run(sess.id, run.ruleset_version, "0.0.1")
    cli_store.finish_run(stale_run, stale, stats={}, verdicts={})

    r = cli("replay", "s1", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["identical"] is False and doc["changed_findings"] == 2
    assert doc["verdict_changes"] == [] or all(c["rule"] == rule for c in doc["verdict_changes"])
    # stale run under another ruleset with a rule missing entirely: verdict changes are printed
    old_rs = cli_store.start_run(sess.id, "1999.1.1", "0.0.1")
    cli_store.finish_run(old_rs, [f for f in findings if f.rule != rule], stats={}, verdicts={})
    r = cli("replay", "s1", "--json")
    doc = json.loads(r.stdout)
    expected = sum(1 for f in findings if f.rule == rule)
    assert doc["ruleset_changed"] is True and doc["previous_run"]["ruleset_version"] == "1999.1.1"
    assert {"rule": rule, "before": 0, "after": expected} in doc["verdict_changes"]
    assert doc["identical"] is None
    text = cli("replay", "s1", env={"COLUMNS": "200"})
    assert "no verdict changes" in text.stdout and "findings identical" in text.stdout


def test_replay_unknown_session_and_ruleset(cli, cli_store):
    recorded(cli_store, "s1", LEAKY, consent_at_s=30)
    r = cli("replay", "nope")
    assert r.returncode == 2 and "no session named 'nope'" in r.stderr and len(r.stderr.splitlines()) == 1
    r = cli("replay", "s1", "--ruleset", "0.0.0-nonexistent")
    assert r.returncode == 2 and "ruleset" in r.stderr and "Traceback" not in r.stderr
    assert cli("replay").returncode == 2
    assert cli("replay", "s1", "--all").returncode == 2


def test_replay_all_corpus(cli, cli_store):
    recorded(cli_store, "a-1", LEAKY, app=("com.labshop.a", "1.0"), consent_at_s=30)
    recorded(cli_store, "a-2", LEAKY_V2, app=("com.labshop.a", "2.0"), consent_at_s=None, consent_choice="none")
    recorded(cli_store, "b-1", LEAKY, app=("com.other.b", "1.0"), consent_at_s=0.5)
    r = cli("replay", "--all", "--app", "com.labshop.a", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [s["session"] for s in doc["sessions"]] == ["a-1", "a-2"]
    assert doc["total"]["first_analysis"] == 2 and doc["total"]["failed"] == 0

    # pretend b-1 was analysed with an older ruleset that found nothing
    sess = cli_store.get_session("b-1")
    old = cli_store.start_run(sess.id, "1999.1.1", "0.0.1")
    cli_store.finish_run(old, [], stats={}, verdicts={})
    r = cli("replay", "--all", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    by_name = {s["session"]: s for s in doc["sessions"]}
    assert by_name["a-1"]["identical"] is True and by_name["a-1"]["verdict_changes"] == []
    assert by_name["b-1"]["verdict_changes"] and all(c["before"] == 0 for c in by_name["b-1"]["verdict_changes"])
    def deltas(changes: list[dict]) -> dict[str, int]:
        return {c["rule"]: c["after"] - c["before"] for c in changes}

    # corpus totals count every session with a previous run; only b-1 moved them
    assert deltas(by_name["b-1"]["verdict_changes"]) == deltas(doc["total"]["verdict_changes"])
    assert doc["total"] | {"seconds": 0} == {
        "sessions": 3, "analysed": 3, "failed": 0, "first_analysis": 0, "changed_sessions": 1, "not_identical": 0,
        "verdict_changes": doc["total"]["verdict_changes"], "seconds": 0,
    }
    text = cli("replay", "--all", env={"COLUMNS": "200"})
    assert text.returncode == 0 and "total: 3 sessions, 3 analysed, 0 failed" in text.stdout


def test_replay_all_continues_past_failures(cli_store, monkeypatch):
    from analyzer.replay import replay as replay_mod

    for name in ("x-1", "x-2", "x-3"):
        recorded(cli_store, name, LEAKY[:3], consent_at_s=30)
    real = replay_mod.analyze

    def analyze(store, name, **kw):
        if name == "x-2":
            raise replay_mod.ReplayError("analysis of 'x-2' failed: ValueError: broken body")
        return real(store, name, **kw)

    monkeypatch.setattr(replay_mod, "analyze", analyze)
    progress = []
    corpus = replay_mod.replay_all(cli_store, on_progress=lambda d, t, n: progress.append((d, t, n)))
    assert [o.session for o in corpus.outcomes] == ["x-1", "x-3"]
    assert corpus.failures == [("x-2", "analysis of 'x-2' failed: ValueError: broken body")]
    assert progress == [(1, 3, "x-1"), (2, 3, "x-2"), (3, 3, "x-3")]


def test_replay_all_exit_code_on_failure(cli, cli_store):
    recorded(cli_store, "ok", LEAKY[:3], consent_at_s=30)
    recorded(cli_store, "broken", LEAKY[:3], consent_at_s=30)
    # a corrupt row: the request headers of the broken session's flows are not a header list
    from sqlalchemy import text

    sess = cli_store.get_session("broken")
    with cli_store.engine.begin() as conn:
        conn.execute(text("UPDATE flows SET request_headers = '\"x\"' WHERE session_id = :sid"), {"sid": sess.id.hex})
    r = cli("replay", "--all")
    assert "total: 2 sessions" in r.stdout
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if "replay of" in line]
    assert len(lines) == 1 and lines[0].startswith("consentry: replay of broken failed:")
    assert "Traceback" not in r.stderr


def test_diff_real_pipeline_new_fixed_moved_unchanged(cli, cli_store, tmp_path):
    recorded(cli_store, "v1", LEAKY, app=("com.labshop.app", "1.0"), consent_at_s=None, consent_choice="none")
    recorded(cli_store, "v2", LEAKY_V2, app=("com.labshop.app", "2.0"), consent_at_s=None, consent_choice="none",
             started=T0 + dt.timedelta(days=1))
    xml = tmp_path / "d.xml"
    # neither session was analysed: diff analyses them first
    r = cli("diff", "--app", "com.labshop.app", "--from", "1.0", "--to", "2.0", "--json", "--junit", str(xml),
            "--fail-on", "new")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    pre = "pre-consent-transmission"

    def keys(cls: str) -> set[tuple]:
        return {(e["key"]["pii_type"], e["key"]["destination"]) for e in doc[cls] if e["key"]["rule"] == pre}

    assert ("location", "amap.com") in keys("new_findings")
    assert ("android_id", "appsflyer.com") in keys("fixed")
    imei = [e for e in doc["unchanged"] if e["key"]["rule"] == pre and e["key"]["pii_type"] == "imei"]
    umeng_sends = sum(1 for send in LEAKY if "umeng" in send.url)  # no consent in v1: all pre-consent
    assert len(imei) == 1 and (imei[0]["old_count"], imei[0]["new_count"]) == (umeng_sends, 1)
    moved = [e for e in doc["moved"] if e["key"]["rule"] == pre and e["key"]["pii_type"] == "oaid"]
    assert len(moved) == 1, doc["moved"]
    assert moved[0]["moved_from"]["destination"] == "jpush.cn" and moved[0]["key"]["destination"] == "jiguang.cn"
    assert cli_store.current_run(cli_store.get_session("v1").id) is not None


def _has_command(cli, *words: str) -> bool:
    return cli(*words, "--help").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["har", "mitm"])
def test_export_import_analyse_same_findings(cli, cli_store, tmp_path, fmt):
    if not (_has_command(cli, "export", fmt) and _has_command(cli, "import", fmt)):
        pytest.skip(f"export/import {fmt} not available yet")
    recorded(cli_store, "orig", LEAKY, consent_at_s=30)
    flows, events = tmp_path / f"flows.{fmt}", tmp_path / "events.jsonl"
    for args in (("export", fmt, "orig", "--output", str(flows)), ("export", "events", "orig", "--output", str(events)),
                 ("import", fmt, str(flows), "--session", "copy", "--events", str(events))):
        r = cli(*args)
        assert r.returncode == 0, (args, r.stderr)
    orig = cli_store.get_session("orig")
    cli_store.set_session_app("copy", orig.app.package, orig.app.version)
    for name in ("orig", "copy"):
        assert cli("replay", name).returncode == 0
    assert _findings_by_meaning(cli_store, "orig") == _findings_by_meaning(cli_store, "copy")
    r = cli("diff", "orig", "copy", "--json", "--fail-on", "new")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert not doc["new_findings"] and not doc["fixed"] and not doc["moved"]
    assert all(e["old_count"] == e["new_count"] for e in doc["unchanged"])
    assert DEVICE["imei"] in r.stdout


def test_replay_session_on_each_backend(store):
    from analyzer.replay import diff_sessions, replay_session

    recorded(store, "s1", LEAKY, consent_at_s=30)
    first = replay_session(store, "s1")
    assert first.previous is None and first.identical is None and first.run["findings"] > 0
    again = replay_session(store, "s1")
    assert again.identical is True and again.changed_findings == 0 and again.changes == []
    assert again.previous["id"] == first.run["id"] and again.run["id"] != first.run["id"]
    recorded(store, "s2", LEAKY_V2, consent_at_s=30, app=("com.labshop.app", "2.0"))
    result = diff_sessions(store, "s1", "s2")  # s2 analysed on the way
    assert result.new["run"]["findings"] > 0 and result.diff.new and result.diff.fixed
