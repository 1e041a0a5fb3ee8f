"""The dashboard in Debian's headless Chromium driven by Playwright (no browser download).

A reviewer's path through it (apps → filter → session → mark false positive →
re-analysis → the mark stays → version diff), the live view of a recording session,
and hostile captured content that must execute nothing on any page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from lab_store import APP, build_lab_store
from live_server import serving
from replay_sessions import DEVICE, T0, Send, recorded

from analyzer.analysis import analyze_session
from analyzer.models.events import ApiCallEvent, ConsentEvent
from analyzer.models.flow import FlowRecord
from analyzer.store.types import to_epoch_ms

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]
# Each would change the page if it ever ran: a dialog, the title, a marker attribute or element.
HOSTILE = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
    "\"><svg onload=alert(1)>",
    "<a href=\"javascript:document.title='PWNED'\" id=\"pwned-link\">x</a>",
    "</textarea></pre></code><div id=\"pwned\">x</div>",
    "{{ 7*7 }}';alert(1);//",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def assert_inert(page) -> None:
    assert page.dialogs == []
    state = page.evaluate(
        "() => ({title: document.title, pwned: !!document.querySelector('[data-pwned], #pwned, #pwned-link')})"
    )
    assert state["title"] != "PWNED" and not state["pwned"], (page.url, state)


def test_reviewer_path(page, sqlite_url):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    v1, v2 = build_lab_store(store)
    with serving(store, reviewer="ana") as base:
        page.goto(base + "/")
        page.fill("input[name=q]", "labshop")
        page.click("form.filters button")
        page.wait_for_url(re.compile(r"q=labshop"))
        row = page.locator(f"tr.app-row[data-package='{APP}']")
        assert row.locator(".plan[data-consent=accept] .verdict").inner_text().endswith("findings")

        page.goto(base + "/findings")
        page.select_option("select[name=rule]", "pre-consent-transmission")
        page.fill("input[name=host]", "amap.com")
        page.click("#findings-filters button")
        page.wait_for_url(re.compile(r"rule=pre-consent-transmission"))
        rows = page.locator("tr.finding-row")
        assert rows.count() >= 1
        page.locator("tr.finding-row .session-link").first.click()
        page.wait_for_url(re.compile(r"/sessions/"))
        assert page.locator("h1.session-title").inner_text() == v2
        # the report's timeline: the consent mark and a point per finding listed on the page
        assert page.locator("svg.timeline .consent-mark[data-action=granted]").count() == 1
        points = page.locator("svg.timeline circle.finding-point")
        assert points.count() == page.locator("article.finding").count() > 0
        assert points.first.get_attribute("data-finding-id") in {
            a.get_attribute("data-finding-id") for a in page.locator("article.finding").all()}

        article = page.locator("article.finding", has=page.locator("code", has_text="restapi.amap.com")).first
        fid = article.get_attribute("data-finding-id")
        article.locator("select[name=state]").select_option("false_positive")
        article.locator("input[name=reason]").fill("geolocation of the lab's own IP")
        article.locator("button[type=submit]").click()
        page.wait_for_selector(f"article[data-finding-id='{fid}'] .badge.triage[data-triage=false_positive]")
        assert "saved (ana)" in article.locator(".triage-result").inner_text()

        analyze_session(store, v2)  # re-analysis writes new findings rows
        page.reload()
        again = page.locator(f"article[data-finding-id='{fid}']")
        assert again.get_attribute("data-triage") == "false_positive"
        assert "geolocation of the lab's own IP" in again.locator(".triage-note").inner_text()

        page.goto(base + f"/apps/{APP}")
        page.select_option("select[name=from]", "1.0")
        page.select_option("select[name=to]", "2.0")
        page.click("form.diff-form button")
        page.wait_for_selector("#diff")
        new_rows = page.locator("tr.diff-new")
        assert new_rows.count() >= 1
        assert any("amap.com" in new_rows.nth(i).inner_text() for i in range(new_rows.count()))
        assert int(page.locator(".count-new").inner_text()) == new_rows.count()
        assert_inert(page)


def hostile_store(store) -> tuple[str, str]:
    name = "shop " + HOSTILE[1]
    package = "com.evil" + HOSTILE[1]
    recorded(store, name, [Send(2, "https://evil.example/c?x=" + HOSTILE[0], ("imei",))], app=(package, "1" + HOSTILE[2]),
             consent_at_s=30)
    session = store.get_session(name)
    ts = T0 + dt.timedelta(seconds=5)
    body = json.dumps({"imei": DEVICE["imei"], "note": " ".join(HOSTILE)}).encode()
    store.add_flows(session.id, [FlowRecord(
        method="POST", url="https://evil.example/p/" + HOSTILE[1].replace("/", "%2F"), ts_start=ts,
        request_headers=[("x-evil", HOSTILE[1]), ("content-type", "application/json")], request_body=body,
        status_code=200, response_headers=[("set-cookie", HOSTILE[4])],
    )])
    store.add_events(session.id, [
        ApiCallEvent(ts=to_epoch_ms(ts), api="android.telephony." + HOSTILE[0], kind="imei", ret=HOSTILE[3],
                     stack=[HOSTILE[4]]),
    ], clock_offset_ms=0)
    analyze_session(store, name)
    return name, package


def test_hostile_content_executes_nothing(page, sqlite_url):
    from urllib.parse import quote

    from analyzer.store import open_store
    from analyzer.triage import add_suppression, set_mark

    store = open_store(sqlite_url)
    name, package = hostile_store(store)
    fid = store.findings(store.current_run(store.get_session(name).id).id)[0].id
    set_mark(store, name, fid, "confirmed", reason=HOSTILE[0], author=HOSTILE[1])
    add_suppression(store, host="evil.example", rule="cleartext-transmission", state="accepted_risk",
                    reason=HOSTILE[4], author=HOSTILE[2])
    with serving(store) as base:
        paths = [
            "/", "/?q=" + quote(HOSTILE[0]), f"/apps/{quote(package, safe='')}", f"/sessions/{quote(name, safe='')}",
            f"/sessions/{quote(name, safe='')}/flows/2", "/findings", "/findings?q=" + quote(HOSTILE[0]),
            "/findings?host=" + quote(HOSTILE[2]), "/triage", "/campaigns", "/sessions/" + quote(HOSTILE[0], safe=""),
        ]
        for path in paths:
            response = page.goto(base + path)
            page.wait_for_load_state("load")
            assert response.status == (404 if path == paths[-1] else 200), path
            assert_inert(page)
        page.goto(base + f"/sessions/{quote(name, safe='')}")
        text = page.inner_text("body")
        assert HOSTILE[0] in text and name in text  # shown as text, not run
        for handle in page.locator("details").element_handles():
            handle.evaluate("d => d.open = true")
        assert_inert(page)
        page.goto(base + f"/sessions/{quote(name, safe='')}/flows/2")
        assert HOSTILE[1] in page.inner_text("table.headers")
        assert_inert(page)


def test_live_view_shows_arrivals_then_findings(page, sqlite_url):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    name = "live " + HOSTILE[2]
    session = store.create_session(name, app=("com.labshop.app", "3.0"), consent_choice="none", status="recording",
                                   first_party_domains=["labshop.example"])
    store.add_events(session.id, [ConsentEvent(ts=to_epoch_ms(T0), action="shown", source="ui")], origin="import",
                     clock_offset_ms=0)
    with serving(store) as base:
        from urllib.parse import quote

        page.goto(base + f"/sessions/{quote(name, safe='')}")
        assert page.locator("#live").get_attribute("data-recording") == "true"
        ts = T0 + dt.timedelta(seconds=3)
        store.add_events(session.id, [ApiCallEvent(ts=to_epoch_ms(ts), api="android.telephony.TelephonyManager.getImei",
                                                   kind="imei", ret=DEVICE["imei"])], clock_offset_ms=0)
        store.add_flows(session.id, [FlowRecord(
            method="POST", url="https://api.umeng.com/u/collect?" + HOSTILE[1], ts_start=ts + dt.timedelta(seconds=1),
            request_headers=[("content-type", "application/json")],
            request_body=json.dumps({"imei": DEVICE["imei"]}).encode(), status_code=200)])
        page.wait_for_selector("#live-flows tr.live-flow")
        page.wait_for_selector("#live-calls tr.live-call")
        assert "api.umeng.com/u/collect" in page.inner_text("#live-flows")
        assert "TelephonyManager.getImei" in page.inner_text("#live-calls")
        assert_inert(page)

        store.update_session(name, status="finished")
        analyze_session(store, name)
        page.wait_for_selector("#live-reload")
        assert re.search(r"Analysed: [1-9]\d* findings", page.inner_text("#live-state"))
        page.click("#live-reload")
        page.wait_for_selector("article.finding")
        assert_inert(page)


def test_campaign_progress_updates_live(page, sqlite_url):
    from sqlalchemy import update

    from analyzer.store import open_store
    from analyzer.store.models_campaign import Campaign, CampaignJob

    store = open_store(sqlite_url)
    with store.session() as s:
        camp = Campaign(name="nightly <b>x</b>", plans=["accept"])
        s.add(camp)
        s.flush()
        jobs = [CampaignJob(campaign_id=camp.id, ordinal=i, app=f"app{i}", app_key=f"app{i}", plan="accept")
                for i in range(4)]
        s.add_all(jobs)
        s.flush()
        row = f"tr[data-campaign='{camp.id}']"
        done_ids = [j.id for j in jobs[:3]]
    with serving(store) as base:
        page.goto(base + "/campaigns")
        assert page.inner_text(f"{row} .progress-text") == "0%"
        assert "nightly <b>x</b>" in page.inner_text("#campaigns")
        with store.session() as s:
            s.execute(update(CampaignJob).where(CampaignJob.id.in_(done_ids)).values(state="finished"))
        page.wait_for_function(f"() => document.querySelector(\"{row}\").querySelector('.progress-text').textContent === '75%'")
        assert "finished 3" in page.inner_text(f"{row} .by-state")
        assert_inert(page)


@pytest.mark.slow
def test_live_view_follows_a_real_consentry_proxy(page, tmp_path):
    """`consentry proxy` records real requests; the open session page shows them arriving."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import quote

    import httpx

    from analyzer.store import open_store

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    db = f"sqlite:///{tmp_path / 'live.db'}"
    env = dict(os.environ, CONSENTRY_DB=db, PYTHONUNBUFFERED="1")
    name = "proxy-live"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "consentry"), "proxy", "--session", name, "--listen-port", "0",
         "--confdir", str(tmp_path / "conf"), "--app", "com.labshop.app@4.0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        header = ""
        while "CA certificate:" not in header:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            header += line
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", header).group(1))
        store = open_store(db)
        with serving(store) as base:
            page.goto(base + f"/sessions/{quote(name)}")
            assert page.locator("#live").get_attribute("data-recording") == "true"
            with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
                for i in range(3):
                    target = f"http://127.0.0.1:{upstream.server_port}/track?imei={DEVICE['imei']}&i={i}"
                    assert client.get(target).status_code == 200
            page.wait_for_function("() => document.querySelectorAll('#live-flows tr.live-flow').length === 3")
            assert "/track?imei=" in page.inner_text("#live-flows")
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=90)
            assert proc.returncode == 0
            page.wait_for_function("() => document.getElementById('session-status').textContent === 'finished'")
            store.add_identifier(store.get_session(name).id, "imei", DEVICE["imei"], "profile")
            analyze_session(store, name)
            page.wait_for_selector("#live-reload")
            assert_inert(page)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        upstream.shutdown()


def test_suppression_rules_from_the_triage_page(page, sqlite_url):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    build_lab_store(store)
    with serving(store, reviewer="lead") as base:
        page.goto(base + "/triage")
        assert page.locator("table.suppressions").count() == 0
        form = page.locator("#suppress-form")
        form.locator("input[name=app]").fill(APP)
        form.locator("input[name=host]").fill("umeng.com")
        form.locator("select[name=state]").select_option("accepted_risk")
        form.locator("input[name=reason]").fill("contracted analytics processor")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("table.suppressions tr[data-rule-id]")
        row = page.locator("table.suppressions tr[data-rule-id]").first
        assert "umeng.com" in row.inner_text() and "lead" in row.inner_text()
        assert "suppress" in page.inner_text("table.audit")

        page.goto(base + "/findings?triage=accepted_risk")
        hosts = page.locator("tr.finding-row td code").all_inner_texts()
        assert hosts and set(hosts) == {"api.umeng.com"}

        page.goto(base + "/triage")
        page.click("button.unsuppress")
        page.wait_for_function("() => !document.querySelector('table.suppressions')")
        assert "unsuppress" in page.inner_text("table.audit")
        assert_inert(page)
