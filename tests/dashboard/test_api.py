"""The dashboard's JSON API in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
import datetime as dt

import pytest
from api_client import client
from lab_store import APP, build_lab_store
from replay_sessions import DEVICE, T0

from analyzer.analysis import analyze_session
from analyzer.models.events import ApiCallEvent
from analyzer.models.flow import FlowRecord
from analyzer.store.types import to_epoch_ms
from analyzer.web.auth import hash_password


@pytest.fixture
def lab(store):
    v1, v2 = build_lab_store(store)
    return store, client(store, reviewer="tester"), v1, v2


def all_pages(c, path: str, key: str, **params) -> list[dict]:
    items, after = [], None
    while True:
        query = dict(params, **({"after": after} if after is not None else {}))
        body = c.get(path, params=query).json()
        items += body[key]
        after = body["next"]
        if after is None:
            return items


def test_apps_versions_verdicts_sdks_trend(lab):
    store, c, v1, v2 = lab
    (app,) = c.get("/api/apps").json()["apps"]
    assert app["package"] == APP and app["versions"] == ["1.0", "2.0"] and app["latest_version"] == "2.0"
    (plan,) = app["plans"]
    assert plan["consent"] == "accept" and plan["session"] == v2
    assert "pre-consent-transmission" in plan["violations"]
    assert {"umeng", "amap"} <= set(app["sdks"])
    trend = {t["version"]: t["findings"] for t in app["trend"]}
    assert trend["2.0"] > trend["1.0"] > 0
    detail = c.get(f"/api/apps/{APP}").json()
    assert [s["name"] for s in detail["sessions"]] == [v2, v1]  # newest first
    assert c.get("/api/apps/com.nobody").status_code == 404


def test_apps_pagination_is_keyset_and_complete(lab):
    store, c, *_ = lab
    for i in range(7):
        store.create_session(f"extra-{i}", app=(f"com.extra.app{i}", "1"), status="finished")
    pages = all_pages(c, "/api/apps", "apps", limit=3)
    names = [a["package"] for a in pages]
    assert names == sorted(names) and len(names) == len(set(names)) == 8
    assert c.get("/api/apps", params={"after": "!!not-a-cursor"}).status_code == 400


def test_findings_filters_search_and_pages(lab):
    store, c, v1, v2 = lab
    everything = all_pages(c, "/api/findings", "findings", limit=100)
    paged = all_pages(c, "/api/findings", "findings", limit=3)
    assert [f["id"] + f["session"] for f in paged] == [f["id"] + f["session"] for f in everything]
    assert [f["ts"] for f in everything] == sorted((f["ts"] for f in everything), reverse=True)

    by_rule = c.get("/api/findings", params={"rule": "third-party-transmission"}).json()["findings"]
    assert by_rule and {f["rule"] for f in by_rule} == {"third-party-transmission"}
    by_host = c.get("/api/findings", params={"host": "amap.com"}).json()["findings"]
    assert by_host and all(f["destination"]["host"] == "restapi.amap.com" for f in by_host)
    assert all(f["session"] == v2 for f in by_host)
    by_value = c.get("/api/findings", params={"q": DEVICE["imei"][3:12]}).json()["findings"]
    assert by_value and {f["pii_type"] for f in by_value} == {"imei"}
    by_url = c.get("/api/findings", params={"q": "/V3/IP"}).json()["findings"]
    assert {f["destination"]["host"] for f in by_url} == {"restapi.amap.com"}
    combo = c.get("/api/findings", params={"app": APP, "pii_type": "oaid", "phase": "post_consent", "sdk": "umeng",
                                           "confidence": "high"}).json()["findings"]
    assert combo and all(f["pii_type"] == "oaid" and f["phase"] == "post_consent" for f in combo)
    assert c.get("/api/findings", params={"app": "com.other"}).json()["findings"] == []
    assert c.get("/api/findings", params={"triage": "bogus"}).status_code == 400
    assert c.get("/api/findings", params={"q": "%"}).json()["findings"] == []  # LIKE wildcards are literal


def test_triage_through_the_api_survives_reanalysis(lab):
    store, c, v1, v2 = lab
    groups = c.get(f"/api/sessions/{v1}/findings").json()["groups"]
    target = groups[0]["findings"][0]
    r = c.put(f"/api/sessions/{v1}/findings/{target['id']}/triage", json={"state": "false_positive", "reason": "lab echo"})
    assert r.status_code == 200, r.text
    assert r.json()["by"] == "tester"
    analyze_session(store, v1)
    marked = c.get("/api/findings", params={"triage": "false_positive"}).json()["findings"]
    assert [(f["id"], f["session"], f["triage"]["reason"]) for f in marked] == [(target["id"], v1, "lab echo")]
    untriaged = c.get("/api/findings", params={"triage": "untriaged"}).json()["findings"]
    assert target["id"] not in {f["id"] for f in untriaged if f["session"] == v1}
    assert c.get(f"/api/sessions/{v1}").json()["analysis"]["triage"]["false_positive"] == 1

    near_miss = c.post("/api/suppressions", json={"host": "map.com", "state": "accepted_risk", "reason": "not amap.com"})
    assert c.get("/api/findings", params={"triage": "accepted_risk"}).json()["findings"] == []
    assert c.delete(f"/api/suppressions/{near_miss.json()['id']}").status_code == 200
    rule = c.post("/api/suppressions", json={"app": APP, "host": "amap.com", "state": "accepted_risk",
                                             "reason": "coarse IP location, contracted"})
    assert rule.status_code == 201, rule.text
    accepted = c.get("/api/findings", params={"triage": "accepted_risk"}).json()["findings"]
    assert accepted and all(f["destination"]["host"] == "restapi.amap.com" and f["triage"]["source"] == "suppression"
                            for f in accepted)
    diff = c.get(f"/api/apps/{APP}/diff", params={"from": "1.0", "to": "2.0"}).json()
    assert diff["new_findings"] and all(e["new_dismissed"] == e["new_count"] for e in diff["new_findings"])
    log = c.get("/api/triage/log").json()
    assert [(e["action"], e["by"]) for e in log] == [("suppress", "tester"), ("unsuppress", "tester"),
                                                      ("suppress", "tester"), ("mark", "tester")]
    assert c.delete(f"/api/suppressions/{rule.json()['id']}").status_code == 200
    assert c.get("/api/suppressions").json() == []
    assert c.delete(f"/api/sessions/{v1}/findings/{target['id']}/triage").status_code == 200
    assert c.delete(f"/api/sessions/{v1}/findings/{target['id']}/triage").status_code == 404


def test_changes_must_be_same_origin_json(lab):
    store, c, v1, _ = lab
    fid = c.get(f"/api/sessions/{v1}/findings").json()["findings"][0]["id"]
    url = f"/api/sessions/{v1}/findings/{fid}/triage"
    form = c.post("/api/suppressions", content="host=x.com&reason=r&state=false_positive",
                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 403
    cross = c.put(url, json={"state": "confirmed", "reason": "r"}, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403
    bad = c.put(url, json={"state": "fine", "reason": "r"})
    assert bad.status_code == 422
    assert c.get("/api/triage/marks").json() == []


def test_session_flows_calls_and_live_cursor(lab):
    store, c, v1, _ = lab
    s = c.get(f"/api/sessions/{v1}").json()
    assert s["app"] == {"package": APP, "version": "1.0"} and s["counts"]["flows"] == 3
    assert [e["action"] for e in s["consent_timeline"]] == ["granted"]
    flows = c.get(f"/api/sessions/{v1}/flows").json()["flows"]
    first = flows[0]
    assert first["url"] == "https://api.umeng.com/u/collect" and first["findings"] > 0
    leaves = {(leaf["path"], leaf["text"]) for leaf in first["decoded"]["leaves"]}
    assert any(text == DEVICE["imei"] for _path, text in leaves)
    assert c.get(f"/api/sessions/{v1}/flows/1").json()["request_headers"][0][0] == "host"

    live = c.get(f"/api/sessions/{v1}/live", params={"flow_after": s["flow_cursor"], "event_after": s["event_cursor"]}).json()
    assert live["flows"] == [] and live["calls"] == []
    session = store.get_session(v1)
    ts = T0 + dt.timedelta(seconds=50)
    store.add_flows(session.id, [FlowRecord(method="GET", url="https://late.example/ping", ts_start=ts)])
    store.add_events(session.id, [ApiCallEvent(ts=to_epoch_ms(ts), api="android.telephony.TelephonyManager.getImei",
                                               kind="imei", ret=DEVICE["imei"])], clock_offset_ms=0)
    live = c.get(f"/api/sessions/{v1}/live", params={"flow_after": s["flow_cursor"], "event_after": s["event_cursor"]}).json()
    assert [f["url"] for f in live["flows"]] == ["https://late.example/ping"]
    assert [x["api"] for x in live["calls"]] == ["android.telephony.TelephonyManager.getImei"]
    assert live["flow_cursor"] == s["flow_cursor"] + 1
    calls = c.get(f"/api/sessions/{v1}/calls").json()["calls"]
    assert calls[-1]["kind"] == "imei"


def test_report_downloads_every_format(lab):
    store, c, v1, _ = lab
    for fmt, needle in (("json", '"schema": "consentry.report/2"'), ("md", "# "), ("html", "<!doctype html")):
        r = c.get(f"/sessions/{v1}/report.{fmt}")
        assert r.status_code == 200
        assert needle in (r.text.lower() if fmt == "html" else r.text)
        assert r.headers["content-disposition"].startswith("attachment")
    assert c.get(f"/sessions/{v1}/report.exe").status_code == 404


def test_openapi_documents_the_api(lab):
    _store, c, *_ = lab
    schema = c.get("/api/openapi.json").json()
    for path in ("/api/apps", "/api/apps/{package}/diff", "/api/sessions/{name}/findings", "/api/sessions/{name}/live",
                 "/api/findings", "/api/sessions/{name}/findings/{key}/triage", "/api/suppressions", "/api/campaigns"):
        assert path in schema["paths"], path
    assert "put" in schema["paths"]["/api/sessions/{name}/findings/{key}/triage"]


def test_pages_send_strict_csp(lab):
    _store, c, v1, _ = lab
    for path in ("/", f"/apps/{APP}", f"/sessions/{v1}", "/findings", "/campaigns", "/triage", "/api/apps"):
        r = c.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    page = c.get(f"/sessions/{v1}")
    nonce = page.headers["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}" src="/static/dashboard.js">' in page.text


def test_responses_carry_the_server_time_and_healthz_answers(lab):
    _store, c, v1, _ = lab
    assert c.get("/healthz").json() == {"ok": True}
    for path in ("/healthz", "/", f"/sessions/{v1}", "/api/findings", "/no-such-page"):
        timing = c.get(path).headers["server-timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), (path, timing)


def test_credentials_are_enforced(lab):
    store, _c, v1, _ = lab
    c = client(store, users={"ana": hash_password("s3cret", iterations=2000)})
    assert c.get("/").status_code == 401 and "Basic" in c.get("/").headers["www-authenticate"]
    wrong = "Basic " + base64.b64encode(b"ana:nope").decode()
    assert c.get("/api/apps", headers={"authorization": wrong}).status_code == 401
    good = {"authorization": "Basic " + base64.b64encode(b"ana:s3cret").decode()}
    assert c.get("/api/apps", headers=good).status_code == 200
    fid = c.get(f"/api/sessions/{v1}/findings", headers=good).json()["findings"][0]["id"]
    mark = c.put(f"/api/sessions/{v1}/findings/{fid}/triage", headers=good,
                 json={"state": "confirmed", "reason": "seen", "by": "someone-else"}).json()
    assert mark["by"] == "ana"  # the signed-in user, whatever the request claims


def test_campaigns_empty_then_shown(sqlite_url):
    from analyzer.store import open_store
    from analyzer.store.models_campaign import Campaign, CampaignJob

    store = open_store(sqlite_url)
    c = client(store)
    assert c.get("/api/campaigns").json()["campaigns"] == []
    assert "No campaigns" in c.get("/campaigns").text
    with store.session() as s:
        camp = Campaign(name="nightly", plans=["accept"])
        s.add(camp)
        s.flush()
        for i, state in enumerate(["finished", "failed", "running", "queued"]):
            s.add(CampaignJob(campaign_id=camp.id, ordinal=i, app=f"app{i}", app_key=f"app{i}", plan="accept",
                              state=state))
    (camp,) = c.get("/api/campaigns").json()["campaigns"]
    assert camp["name"] == "nightly" and camp["jobs"] == 4 and camp["progress"] == 0.5
    assert camp["by_state"] == {"finished": 1, "failed": 1, "running": 1, "queued": 1}
    assert 'value="0.5"' in c.get("/campaigns").text


def test_serve_refuses_public_host_without_credentials(run_cli, tmp_path, monkeypatch):
    monkeypatch.delenv("CONSENTRY_SERVE_USERS", raising=False)
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    code, _out, err = run_cli("--db", db, "serve", "--host", "0.0.0.0")
    assert code == 2 and "without credentials" in err and err.count("\n") == 1
    users = tmp_path / "users"
    users.write_text("ana:plaintext\n")
    code, _out, err = run_cli("--db", db, "serve", "--host", "0.0.0.0", "--auth", str(users))
    assert code == 2 and "expected NAME:pbkdf2_sha256" in err


def test_hash_password_line_verifies(run_cli, monkeypatch):
    import io

    from analyzer.web.auth import parse_users, verify_password

    monkeypatch.setattr("sys.stdin", io.StringIO("hunter2\n"))
    code, out, err = run_cli("serve", "--hash-password", "ana")
    assert code == 0, err
    users = parse_users(out, "stdout")
    assert verify_password("hunter2", users["ana"]) and not verify_password("hunter3", users["ana"])


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_consentry_serve_end_to_end(tmp_path, stop):
    """The real console script serves the dashboard on a free loopback port until stopped."""
    import os
    import re
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    env = dict(os.environ, CONSENTRY_DB=f"sqlite:///{tmp_path / 'e2e.db'}", XDG_DATA_HOME=str(tmp_path / "xdg"))
    exe = Path(sys.executable).parent / "consentry"
    proc = subprocess.Popen([str(exe), "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/apps", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200 and r.json() == {"apps": [], "next": None}
        assert "No apps in the store" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
    finally:
        proc.send_signal(getattr(signal, stop))
        assert proc.wait(20) == 0
        assert "stopped" in proc.stderr.read()


def test_consent_screenshots_are_served_only_when_the_session_refers_to_them(lab):
    import hashlib

    from analyzer.models.events import UiEvent
    from analyzer.store import models as m

    store, c, v1, v2 = lab
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    sha = hashlib.sha256(png).hexdigest()
    not_png = b"<script>alert(1)</script>"
    other = hashlib.sha256(not_png).hexdigest()
    with store.session() as s:
        s.add(m.Body(sha256=sha, size=len(png), data=png))
        s.add(m.Body(sha256=other, size=len(not_png), data=not_png))
    session = store.get_session(v1)
    store.add_events(session.id, [
        UiEvent(ts=to_epoch_ms(T0), action="dialog_shown", text="隐私政策", evidence={"screenshot": sha, "dump": other}),
        UiEvent(ts=to_epoch_ms(T0) + 5, action="click", text="同意", evidence={"screenshot": other}),
    ], clock_offset_ms=0)
    shots = c.get(f"/api/sessions/{v1}").json()["screenshots"]
    assert [(x["sha256"], x["text"]) for x in shots] == [(sha, "隐私政策"), (other, "同意")]
    r = c.get(f"/sessions/{v1}/screenshots/{sha}.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == png
    assert c.get(f"/sessions/{v1}/screenshots/{other}.png").status_code == 404  # not a PNG
    assert c.get(f"/sessions/{v2}/screenshots/{sha}.png").status_code == 404  # not this session's
    assert f'src="/sessions/{v1}/screenshots/{sha}.png"' in c.get(f"/sessions/{v1}").text


def test_answers_match_the_documented_schemas(lab):
    from pydantic import TypeAdapter

    from analyzer.web import schemas as S

    store, c, v1, _ = lab
    fid = c.get(f"/api/sessions/{v1}/findings").json()["findings"][0]["id"]
    mark = c.put(f"/api/sessions/{v1}/findings/{fid}/triage", json={"state": "confirmed", "reason": "seen"}).json()
    rule = c.post("/api/suppressions", json={"host": "umeng.com", "reason": "processor", "state": "accepted_risk"}).json()
    checks = [
        (S.AppsPage, "/api/apps"), (S.AppDetail, f"/api/apps/{APP}"), (S.SessionDetail, f"/api/sessions/{v1}"),
        (S.SessionFindings, f"/api/sessions/{v1}/findings"), (S.FlowsPage, f"/api/sessions/{v1}/flows"),
        (S.CallsPage, f"/api/sessions/{v1}/calls"), (S.Live, f"/api/sessions/{v1}/live"),
        (S.FindingsPage, "/api/findings?triage=accepted_risk"), (list[S.AuditEntry], "/api/triage/log"),
        (list[S.Suppression], "/api/suppressions"), (S.CampaignsPage, "/api/campaigns"),
    ]
    for model, path in checks:
        body = c.get(path).json()
        TypeAdapter(model).validate_python(body, strict=False)
    S.Mark.model_validate(mark)
    S.Suppression.model_validate(rule)
    schema = c.get("/api/openapi.json").json()
    ref = schema["paths"]["/api/findings"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/FindingsPage")


@pytest.mark.parametrize("values", [["x", 1], ["2026-03-02T09:30:00", 1], ["2026-03-02T09:30:00+00:00", "1"],
                                    ["2026-03-02T09:30:00+00:00"], {"a": 1}, "not a list"])
def test_forged_cursors_are_a_400(lab, values):
    from analyzer.web import cursor

    _store, c, v1, _ = lab
    raw = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    for path in ("/api/findings", f"/api/sessions/{v1}/findings"):
        r = c.get(path, params={"after": raw})
        assert r.status_code == 400 and r.json() == {"detail": "invalid page cursor"}, path
    for path, forged in (("/api/apps", [1]), (f"/api/apps/{APP}", ["yesterday", "x"]), ("/api/campaigns", [3, "x"])):
        r = c.get(path, params={"after": cursor.encode(*forged)})
        assert r.status_code == 400, path
    assert cursor.decode(cursor.encode("2026-03-02T09:30:00+00:00", 7), dt.datetime, int)[1] == 7


def test_serve_reports_a_busy_port(run_cli, tmp_path):
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        code, _out, err = run_cli("--db", f"sqlite:///{tmp_path / 'b.db'}", "serve", "--port", str(busy.getsockname()[1]))
    finally:
        busy.close()
    assert code == 2 and "cannot listen on 127.0.0.1:" in err and err.count("\n") == 1
