"""`consentry campaign run --devices lab,lab`: the job code on local lab devices, no broker."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analyzer.campaign import jobs
from analyzer.campaign import state as st
from analyzer.campaign.spec import AppLine
from analyzer.campaign.views import CONSENT_RULES
from analyzer.cli import app
from analyzer.cli.common import state
from analyzer.devices.base import DeviceError
from analyzer.lab.scenarios import load_scenarios
from analyzer.runner.consent import parse_consent_plan
from tests.campaign.stations import DIALOG_TIMEOUT_S

pytestmark = pytest.mark.slow


def expected_verdict(app: str, plan: str) -> str | None:
    """violation when the scenario's expectation for this plan names a consent rule; None if it has none."""
    expectation = load_scenarios()[app].expect.get(parse_consent_plan(plan).expectation_key)
    if expectation is None:
        return None
    return "violation" if {m.get("rule") for m in expectation.must} & CONSENT_RULES else "not violation"


def overlapping(intervals):
    ordered = sorted(intervals)
    return [(a, b) for a, b in zip(ordered, ordered[1:]) if b[0] < a[1]]


def test_embedded_campaign_on_two_lab_devices(sqlite_url, tmp_path, monkeypatch, lab_classes):
    apps = tmp_path / "apps.txt"
    apps.write_text("preconsent_leak\nwithdraw\n")
    runner = CliRunner()
    monkeypatch.setattr(state, "db_url", None)
    monkeypatch.setenv("COLUMNS", "200")  # not console.width: that would pin the width for later in-process runs

    def invoke(*args):
        return runner.invoke(app, ["--db", sqlite_url, *args], catch_exceptions=False, standalone_mode=False)

    r = invoke("campaign", "create", "emb", "--apps", str(apps), "--plans", "accept,withdraw-after=1",
               "--duration", "40", "--dialog-timeout", DIALOG_TIMEOUT_S, "--reports", str(tmp_path / "reports"))
    assert r.exit_code == 0, r.output
    r = invoke("campaign", "run", "emb", "--devices", "lab,lab")
    assert r.exit_code == 0, r.output
    assert "[4/4]" in r.output  # plain progress lines when not on a terminal

    data = json.loads(invoke("campaign", "status", "emb", "--json").output)
    assert data["campaign"]["status"] == "finished" and data["campaign"]["counts"] == {"finished": 4}
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    windows: dict[str, list] = {}
    for job in data["jobs"]:
        (linked,) = job["sessions"]
        assert linked["name"] == job["session"] and linked["status"] == "finished"
        session = store.get_session(job["session"])
        assert session.consent_choice == job["plan"] and session.app.package == job["package"]
        windows.setdefault(job["app"], []).append((session.started_at, session.ended_at))
        expected = expected_verdict(job["app"], job["plan"])
        if expected == "violation":
            assert job["verdict"] == "violation", job
        elif expected is not None:
            assert job["verdict"] in ("clean", "findings"), job
        assert (tmp_path / "reports" / f"{job['session']}.html").is_file()
    # one app is never on two devices at once
    assert all(not overlapping(w) for w in windows.values()), windows

    summary = json.loads(invoke("campaign", "status", "emb", "--summary", "--json").output)
    rows = {row["app"]: row for row in summary["apps"]}
    assert rows["preconsent_leak"]["plans"]["accept"] == "violation"
    assert set(rows["preconsent_leak"]["sdks"]) <= set(load_scenarios()["preconsent_leak"].sdks)
    assert rows["preconsent_leak"]["sdks"]
    assert set(rows["withdraw"]["reports"]) == {"accept", "withdraw-after=1"}


class UnclearableLab:
    """The lab device where clearing app data fails the way `pm clear` does on a locked-down phone."""

    def __new__(cls):
        from analyzer.devices.lab import LabBackend

        class Backend(LabBackend):
            def clear_app_data(self, package: str) -> None:
                raise DeviceError(f"pm clear {package}: Failed")

        return Backend()


def test_refuse_and_none_plans_never_run_on_uncleared_data(sqlite_url, lab_classes):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    campaign = st.create_campaign(store, "unclear", [AppLine("refusal_ignored")], ["refuse", "none", "accept"],
                                  duration_s=30, max_attempts=1, options={"dialog_timeout_ms": 3000})
    station = jobs.Station("s1", "lab", backend_factory=UnclearableLab)
    refuse, none, accept = st.jobs_of(store, campaign)
    for job in (refuse, none):
        step = jobs.run_job(store, job.id, station)
        assert step.action == "done"
        after = st.get_job(store, job.id)
        assert after.state == "failed" and after.session_id is None
        assert f"a {job.plan} plan does not run on data an earlier plan left" in after.error
        assert "pm clear com." in after.error
    assert st.job_sessions(store, [refuse.id, none.id]) == {}  # no session was even started
    step = jobs.run_job(store, accept.id, station)
    assert step.action == "analyse", step
    notes = store.get_session(step.session).meta["campaign"]["notes"]
    assert notes == [f"app data not cleared: pm clear {store.get_session(step.session).app.package}: Failed"]


def _when_recording(store, job_id, timeout=120.0):
    """The job's session once it has recorded something (the app is up and hooked)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for link, status in st.job_sessions(store, [job_id]).get(job_id, []):
            if status == "recording":
                counts = store.counts(store.get_session(link.session_name).id)
                if counts["events"]:
                    return link.session_name
        time.sleep(0.2)
    raise AssertionError("the session never got under way")


def _in_thread(fn, *args):
    import threading

    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("step", fn(*args)), daemon=True)
    thread.start()
    return thread, out


def test_cancel_stops_a_running_session_at_the_next_heartbeat(sqlite_url, lab_classes):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    # the consent click comes only after 30 s: the session is still running when the campaign is cancelled
    campaign = st.create_campaign(store, "cancelme", [AppLine("refusal_ignored")], ["accept-after=30"], duration_s=60,
                                  options={"dialog_timeout_ms": 60000})
    (job,) = st.jobs_of(store, campaign)
    thread, out = _in_thread(jobs.run_job, store, job.id, jobs.Station("s1", "lab", lease_ttl_s=5))
    name = _when_recording(store, job.id)
    st.cancel_campaign(store, st.get_campaign(store, "cancelme"))
    thread.join(90)
    assert not thread.is_alive() and out["step"].action == "done"
    assert st.get_job(store, job.id).state == "cancelled"
    session = store.get_session(name)
    assert session.status == "interrupted" and "cancelled" in session.status_detail
    assert (session.ended_at - session.started_at).total_seconds() < 30  # stopped before the click was due


def test_a_station_that_lost_its_claim_does_not_count_its_session(sqlite_url, lab_classes):
    """A station stalled past its lease: the job was taken over, so its session is disowned, not finished."""
    import datetime as dt

    from analyzer.store import open_store
    from analyzer.store.models_campaign import CampaignAppLease, CampaignJob

    store = open_store(sqlite_url)
    campaign = st.create_campaign(store, "stalled", [AppLine("refusal_ignored")], ["accept-after=30"], duration_s=60,
                                  options={"dialog_timeout_ms": 60000})
    (job,) = st.jobs_of(store, campaign)
    thread, out = _in_thread(jobs.run_job, store, job.id, jobs.Station("slow", "lab", lease_ttl_s=5))
    name = _when_recording(store, job.id)
    past = st.utcnow() - dt.timedelta(seconds=1)
    with store.session() as s:  # its lease ran out (as if it had stalled) and another station claimed the job
        s.get(CampaignJob, job.id).lease_expires_at = past
        s.get(CampaignAppLease, "refusal_ignored").expires_at = past
    taken = st.claim(store, job.id, "fast", "tok-fast", 60)
    assert (taken.outcome, taken.attempt, taken.interrupted) == ("run", 2, [name])
    thread.join(90)
    assert not thread.is_alive() and out["step"].action == "done"
    session = store.get_session(name)
    assert session.status == "interrupted" and "another station took the job over" in session.status_detail
    after = st.get_job(store, job.id)
    assert (after.state, after.station, after.claim_token) == ("running", "fast", "tok-fast")
