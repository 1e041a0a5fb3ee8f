"""UI evidence of the consent driver: stored with the session, in the report and in the bundle."""

from __future__ import annotations

import base64
import json
import zipfile

from analyzer.runner.consent import ConsentDriver, parse_consent_plan
from analyzer.store.ui_evidence import evidence_sink, ui_blob, ui_evidence
from tests.runner.fake_ui import FakeClock, FakePhoneUi, png_of, screen
from tests.runner.test_consent_ui import SHOP

HOSTILE_LABEL = "<script>document.title='PWNED'</script>同意"


def record_session(store, name="ev", plan="accept", start="shop_dialog"):
    session = store.create_session(name, app=("com.example.shop", "1.0"), consent_choice=plan, status="finished")
    clock = FakeClock()
    phone = FakePhoneUi(clock, start, SHOP)
    events = []
    driver = ConsentDriver(parse_consent_plan(plan), phone, events.append, package="com.example.shop", clock=clock,
                           evidence=evidence_sink(store, session.id))
    driver.run()
    store.add_events(session.id, events, origin="hook", clock_offset_ms=0.0)
    return session, events


def test_every_tap_is_stored_before_and_after_content_addressed(store):
    session, events = record_session(store, plan="withdraw-after=2")
    rows = ui_evidence(store, session.id)
    steps = sorted({r.step for r in rows})
    assert steps == [0, 1, 2, 3, 4, 5, 6]  # shown + accept + 3 navigations + withdraw + confirm
    for step in steps[1:]:
        assert {(r.phase, r.kind) for r in rows if r.step == step} == {
            ("before", "dump"), ("before", "screenshot"), ("after", "dump"), ("after", "screenshot")}
    # the screen after one tap is the screen before the next: one blob, two rows
    after_1 = next(r for r in rows if r.step == 1 and r.phase == "after" and r.kind == "dump")
    before_2 = next(r for r in rows if r.step == 2 and r.phase == "before" and r.kind == "dump")
    assert after_1.sha256 == before_2.sha256 and ui_blob(store, after_1.sha256).decode() == screen("shop_home")
    assert all(r.device_ts_ms > 1.7e12 for r in rows)  # device epoch ms
    shot = next(r for r in rows if r.kind == "screenshot" and r.step == 1 and r.phase == "before")
    assert shot.media_type == "image/png" and ui_blob(store, shot.sha256) == png_of("shop_dialog")
    assert next(r for r in rows if r.step == 1).node["resource_id"] == "com.example.shop:id/btn_agree"
    granted = [e for e in events if e.action == "granted"][0]
    assert granted.evidence["before"]["screenshot"] == shot.sha256


def test_deleting_a_session_keeps_blobs_other_sessions_use(store):
    first, _ = record_session(store, "one")
    second, _ = record_session(store, "two")
    shared = {r.sha256 for r in ui_evidence(store, second.id)}
    store.delete_session("one")
    assert ui_evidence(store, first.id) == []
    assert all(ui_blob(store, sha) for sha in shared)
    store.delete_session("two")
    assert not any(ui_blob(store, sha) for sha in shared)


def test_report_json_and_html_carry_the_consent_screen(store):
    from analyzer.report import render_html
    from analyzer.report.build import build_report

    record_session(store, "rep")
    report = build_report(store, "rep")
    marks = {m.action: m for m in report.consent}
    granted = marks["granted"]
    assert granted.via == "ui-tree" and granted.node["text"] == "同意" and "隐私政策" in granted.matched
    assert granted.evidence["before"]["screenshot"]
    doc = report.model_dump(mode="json", by_alias=True)
    assert "_ui_images" not in json.dumps(doc) and granted.evidence["before"]["dump"] in json.dumps(doc)
    html = render_html(report)
    assert html.count('class="consent-screen"') == 2  # shown and granted
    png = base64.b64encode(png_of("shop_dialog")).decode()
    assert f'src="data:image/png;base64,{png}"' in html
    assert 'href="#consent-screen-1"' in html and 'id="consent-screen-1"' in html
    assert "温馨提示" in html and "Matched on screen" in html


def test_report_escapes_what_the_screen_said(store):
    from analyzer.models.events import ConsentEvent
    from analyzer.report import render_html
    from analyzer.report.build import build_report
    from analyzer.store.ui_evidence import add_ui_evidence

    session = store.create_session("hostile", app=("com.example.shop", "1.0"), consent_choice="accept", status="finished")
    sha = add_ui_evidence(store, session.id, step=1, phase="before", kind="screenshot", data=png_of("x"),
                          device_ts_ms=1.78e12, purpose="accept")
    event = ConsentEvent(ts=1.78e12, action="granted", source="ui", via="ui-tree", text=HOSTILE_LABEL,
                         matched=[HOSTILE_LABEL], node={"text": HOSTILE_LABEL, "bounds": "[0,0][1,1]"},
                         evidence={"step": 1, "before": {"screenshot": sha}})
    store.add_events(session.id, [event], clock_offset_ms=0.0)
    html = render_html(build_report(store, "hostile"))
    assert "<script>document.title" not in html
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;同意" in html
    assert html.count("<script") == 1  # only the report's own nonce'd script


def test_bundle_includes_dumps_and_screenshots(store, tmp_path):
    from analyzer.exporters.bundle import write_bundle

    session, _ = record_session(store, "bun")
    out = tmp_path / "b.zip"
    write_bundle(store, "bun", out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        index = json.loads(zf.read("ui/evidence.json"))
        assert len(index) == len(ui_evidence(store, session.id))
        for row in index:
            assert zf.read(row["path"]) == ui_blob(store, row["sha256"])
        assert any(n.endswith(".png") for n in names) and any(n.endswith(".xml") for n in names)
