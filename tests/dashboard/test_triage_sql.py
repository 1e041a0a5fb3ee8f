"""The dashboard's triage state in SQL (analyzer/web/triage_sql.py) says what the triage
service says in Python, for every finding, after rules, marks, a removed rule and re-analysis:
per finding on the session page, in the session's counts, and in the store-wide filter."""

from __future__ import annotations

from collections import Counter

from api_client import client
from lab_store import APP, build_lab_store

from analyzer.analysis import analyze_session
from analyzer.analysis.findings import finding_json
from analyzer.triage import add_suppression, remove_suppression, set_mark
from analyzer.triage.service import effective_states
from analyzer.triage.states import STATES


def expected_states(store, names) -> dict[tuple[str, str], str]:
    out = {}
    for name in names:
        session = store.get_session(name)
        findings = [finding_json(f) for f in store.findings(store.current_run(session.id).id)]
        states = effective_states(store, session.id, findings)
        for f in findings:
            out[(name, f["id"])] = states[f["id"]].state if f["id"] in states else "untriaged"
    return out


def all_findings(c, **params) -> list[dict]:
    items, after = [], None
    while True:
        body = c.get("/api/findings", params={**params, "limit": 500, **({"after": after} if after else {})}).json()
        items += body["findings"]
        after = body["next"]
        if after is None:
            return items


def test_sql_triage_states_agree_with_the_service(store):
    v1, v2 = build_lab_store(store)
    c = client(store, reviewer="tester")
    findings = store.findings(store.current_run(store.get_session(v1).id).id)
    sdk = next(f.sdk for f in findings if f.sdk)
    rule = {"reason": "r", "author": "lead"}
    add_suppression(store, host="umeng.com", state="accepted_risk", **rule)  # oldest: wins where rules overlap
    add_suppression(store, pii_type="android_id", state="false_positive", **rule)
    add_suppression(store, app="com.other.app", rule="pre-consent-transmission", state="confirmed", **rule)
    add_suppression(store, host="map.com", state="confirmed", **rule)  # restapi.amap.com is no subdomain of it
    add_suppression(store, sdk=sdk, state="confirmed", **rule)
    gone = add_suppression(store, app=APP, rule="third-party-transmission", state="false_positive", **rule)
    remove_suppression(store, gone["id"], author="lead")
    umeng = next(f for f in findings if f.destination and f.destination.host == "api.umeng.com")
    set_mark(store, v1, umeng.id, "confirmed", reason="sent before consent", author="ana")
    other = next(f for f in findings if f.id != umeng.id and not (f.destination and f.destination.host == "api.umeng.com"))
    set_mark(store, v1, other.id, "false_positive", reason="lab value", author="ana")
    analyze_session(store, v1)  # new findings rows: marks and rules must still apply

    expected = expected_states(store, (v1, v2))
    assert set(expected.values()) == {"confirmed", "false_positive", "accepted_risk", "untriaged"}
    for name in (v1, v2):
        page = c.get(f"/api/sessions/{name}/findings", params={"limit": 500}).json()
        assert {(name, f["id"]): f["triage"]["state"] for f in page["findings"]} == {
            k: v for k, v in expected.items() if k[0] == name}
        counts = c.get(f"/api/sessions/{name}").json()["analysis"]["triage"]
        assert counts == dict(Counter(v for k, v in expected.items() if k[0] == name))
    for state in (*STATES, "untriaged"):
        got = {(f["session"], f["id"]) for f in all_findings(c, triage=state)}
        assert got == {k for k, v in expected.items() if v == state}, state
    everything = all_findings(c)
    assert {(f["session"], f["id"]): f["triage"]["state"] for f in everything} == expected
