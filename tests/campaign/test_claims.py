"""Job claims, app leases and dead stations in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading


from analyzer.campaign import state as st
from analyzer.campaign.spec import AppLine
from analyzer.store.models_campaign import CampaignAppLease, CampaignJob


def make_campaign(store, name="c", apps=("app.one", "app.two"), plans=("accept", "refuse"), **kw):
    return st.create_campaign(store, name, [AppLine(a) for a in apps], list(plans), **kw)


def expire(store, job_id):
    """What the passing of time does to a station that stopped renewing its claim."""
    past = st.utcnow() - dt.timedelta(seconds=1)
    with store.session() as s:
        job = s.get(CampaignJob, job_id)
        job.lease_expires_at = past
        lease = s.get(CampaignAppLease, job.app_key)
        if lease is not None:
            lease.expires_at = past


def test_one_station_wins_a_job_and_one_app_is_on_one_device(store):
    campaign = make_campaign(store)
    accept_one, refuse_one, accept_two, _ = st.jobs_of(store, campaign)
    outcomes = {}

    def race(name):
        outcomes[name] = st.claim(store, accept_one.id, name, f"tok-{name}", 60).outcome

    threads = [threading.Thread(target=race, args=(f"s{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()).count("run") == 1
    assert set(outcomes.values()) - {"run"} <= {"busy", "app_busy"}
    winner = next(n for n, o in outcomes.items() if o == "run")
    # the same app's other plan waits for the lease; another app goes ahead
    blocked = st.claim(store, refuse_one.id, "s9", "tok-s9", 60)
    assert (blocked.outcome, blocked.holder) == ("app_busy", winner)
    assert st.claim(store, accept_two.id, "s9", "tok-s9b", 60).outcome == "run"
    # the app is free again once the first plan recorded its session
    store.create_session("rec-1", status="finished")
    assert st.recorded(store, accept_one.id, f"tok-{winner}", "rec-1")
    assert st.claim(store, refuse_one.id, "s9", "tok-s9c", 60).outcome == "run"


def test_same_app_parallel_skips_the_lease(store):
    campaign = make_campaign(store, apps=("app.one",), same_app_parallel=True)
    first, second = st.jobs_of(store, campaign)
    assert st.claim(store, first.id, "a", "t1", 60).outcome == "run"
    assert st.claim(store, second.id, "b", "t2", 60).outcome == "run"


def test_a_dead_station_loses_its_claim_and_its_session_is_interrupted(store):
    campaign = make_campaign(store, apps=("app.one",), plans=("accept",))
    (job,) = st.jobs_of(store, campaign)
    first = st.claim(store, job.id, "dead", "tok-dead", 60)
    assert (first.outcome, first.attempt) == ("run", 1)
    name1 = st.session_name_for(campaign, first.job, 1)
    st.link_session(store, job.id, 1, "dead", name1)
    store.create_session(name1, status="recording")
    # redelivered while the dead station's lease still runs: wait
    assert st.claim(store, job.id, "alive", "tok-alive", 60).outcome == "busy"
    expire(store, job.id)
    second = st.claim(store, job.id, "alive", "tok-alive", 60)
    assert (second.outcome, second.attempt, second.interrupted) == ("run", 2, [name1])
    assert store.get_session(name1).status == "interrupted"
    assert "station dead stopped mid-session" in store.get_session(name1).status_detail
    # the dead station cannot write over the new claim
    assert st.heartbeat(store, job.id, "tok-dead", 60) == "lost"
    assert st.attempt_failed(store, job.id, "tok-dead", "late") == ""
    assert st.heartbeat(store, job.id, "tok-alive", 60) == "ok"
    name2 = st.session_name_for(campaign, second.job, 2)
    st.link_session(store, job.id, 2, "alive", name2)
    store.create_session(name2, status="finished")
    assert st.recorded(store, job.id, "tok-alive", name2)
    assert st.claim(store, job.id, "third", "tok-3", 60).outcome == "analyse"
    assert st.complete(store, job.id, {"session": name2, "verdict": "clean"})
    assert st.claim(store, job.id, "third", "tok-4", 60).outcome == "final"  # a late duplicate is a no-op
    links = st.job_sessions(store, [job.id])[job.id]
    assert [(link.attempt, status) for link, status in links] == [(1, "interrupted"), (2, "finished")]


def test_attempts_run_out(store):
    campaign = make_campaign(store, apps=("app.one",), plans=("accept",), max_attempts=2)
    (job,) = st.jobs_of(store, campaign)
    for attempt, expected in ((1, "queued"), (2, "failed")):
        claim = st.claim(store, job.id, "s", f"t{attempt}", 60)
        assert (claim.outcome, claim.attempt) == ("run", attempt)
        assert st.attempt_failed(store, job.id, f"t{attempt}", "app crashed") == expected
    assert st.claim(store, job.id, "s", "t3", 60).outcome == "final"
    assert st.get_job(store, job.id).error == "app crashed"
