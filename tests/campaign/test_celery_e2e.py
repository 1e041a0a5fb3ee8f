"""Campaigns on real Celery workers: RabbitMQ, three lab-device stations, an analysis worker, PostgreSQL.

Every run uses queues with a random prefix, so parallel runs on the shared broker never
take each other's jobs. Sessions are short lab scenarios; the margins are generous
because the machine is shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from analyzer.campaign import state as st
from analyzer.store import open_store
from analyzer.store.models import Base
from inprocess import run_cli
from tests.campaign.stations import (
    CONSENTRY, DIALOG_TIMEOUT_S, SHARED_BROKER, PrivateRabbit, analysis_worker, delete_queues, station, worker_env, unique_prefix,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

APPS = ("preconsent_leak", "compliant", "withdraw", "refusal_ignored")
PLANS = "accept,accept-after=1,withdraw-after=1"
RUN_TIMEOUT_S = 900


@pytest.fixture
def pg_store(pg_database_url):
    store = open_store(pg_database_url)
    with store.engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(t.name for t in Base.metadata.sorted_tables) + " CASCADE"))
    return store


@pytest.fixture
def lab(pg_store, pg_database_url, tmp_path, lab_classes):
    """Three stations and an analysis worker on the shared RabbitMQ, queues of this test only."""
    prefix = unique_prefix()
    env = worker_env(pg_database_url, tmp_path)
    names = ["st1", "st2", "st3"]
    workers = {n: station(n, broker=SHARED_BROKER, prefix=prefix, env=env, tmp_path=tmp_path) for n in names}
    workers["analysis"] = analysis_worker(broker=SHARED_BROKER, prefix=prefix, env=env, tmp_path=tmp_path)
    try:
        for w in workers.values():
            w.wait_ready()
        yield {"prefix": prefix, "env": env, "workers": workers, "store": pg_store, "tmp": tmp_path}
    finally:
        for w in workers.values():
            w.terminate()
        for w in workers.values():
            w.stop()
        delete_queues(SHARED_BROKER, prefix, names)


def consentry(lab, *args: str):
    """A command that only reads or writes the store: in-process, on the stations' store."""
    return run_cli(*args, env={key: lab["env"][key] for key in ("CONSENTRY_DB", "XDG_DATA_HOME")})


def create(lab, name: str, apps=APPS, plans=PLANS, *extra: str, reports: bool = True) -> None:
    apps_file = lab["tmp"] / f"{name}.txt"
    apps_file.write_text("\n".join(apps) + "\n")
    r = consentry(lab, "campaign", "create", name, "--apps", str(apps_file), "--plans", plans, "--duration", "40",
                  "--dialog-timeout", DIALOG_TIMEOUT_S, *(["--reports", str(lab["tmp"] / "reports")] if reports else []),
                  *extra)
    assert r.exit_code == 0, r.stderr


def start_run(lab, name: str, broker: str = SHARED_BROKER, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(CONSENTRY), "campaign", "run", name, "--broker", broker, "--queue-prefix", lab["prefix"],
                             "--timeout", str(RUN_TIMEOUT_S), *extra], env=lab["env"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, lab) -> str:
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT_S + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    logs = "\n".join(f"--- {n}\n{w.tail()}" for n, w in lab["workers"].items())
    assert proc.returncode == 0, f"{out[-3000:]}\n{logs}"
    return out


def check_complete(store, name: str, jobs_expected: int) -> dict:
    """Every job finished with exactly one finished session of its own; returns job id -> linked sessions."""
    campaign = st.get_campaign(store, name)
    jobs = st.jobs_of(store, campaign)
    assert len(jobs) == jobs_expected and {j.state for j in jobs} == {"finished"}, [(j.ordinal, j.state, j.error) for j in jobs]
    links = st.job_sessions(store, [j.id for j in jobs])
    finished = []
    for job in jobs:
        done = [link.session_name for link, status in links[job.id] if status == "finished"]
        assert len(done) == 1, (job.ordinal, links[job.id])
        assert store.get_session(done[0]).id == job.session_id and job.result["session"] == done[0]
        finished += done
    campaign_sessions = [s for s in store.list_sessions() if s.name.startswith(f"{name}-")]
    assert sorted(s.name for s in campaign_sessions if s.status == "finished") == sorted(finished)
    assert len(set(finished)) == jobs_expected
    return links


def no_app_on_two_devices(store, links) -> None:
    windows: dict[str, list] = {}
    for job_links in links.values():
        for link, status in job_links:
            if status is None:
                continue
            s = store.get_session(link.session_name)
            windows.setdefault(s.app.package, []).append((s.started_at, s.ended_at, link.station))
    for package, spans in windows.items():
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            assert b[0] >= a[1], f"{package} on {a[2]} and {b[2]} at once"


def wait_mid_session(store, name: str, timeout: float = 300.0):
    """A job whose session is recording on a station and has recorded something already."""
    campaign = st.get_campaign(store, name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = st.jobs_of(store, campaign, ["running"])
        links = st.job_sessions(store, [j.id for j in running])
        for job in running:
            for link, status in links.get(job.id, []):
                if status == "recording":
                    counts = store.counts(store.get_session(link.session_name).id)
                    if counts["events"] or counts["flows"]:
                        return job, link
        time.sleep(0.3)
    raise AssertionError("no session got under way")


@pytest.mark.timeout(RUN_TIMEOUT_S + 300)
def test_campaign_of_4_apps_by_3_plans_on_three_stations_one_sigkilled_mid_session(lab):
    """One campaign checks both the spread of 12 jobs over three stations and that a station
    killed mid-session loses nothing: its job is run again elsewhere, no other job twice."""
    create(lab, "lab12")
    run = start_run(lab, "lab12")
    store = lab["store"]
    job, link = wait_mid_session(store, "lab12")
    lab["workers"][link.station].sigkill()
    out = finish(run, lab)
    assert "sent 12 jobs" in out
    links = check_complete(store, "lab12", 12)
    no_app_on_two_devices(store, links)
    stations = {link.station for job_links in links.values() for link, _ in job_links}
    assert stations <= {"st1", "st2", "st3"} and len(stations) >= 2  # the work was spread

    killed = links[job.id]
    assert [(l.attempt, l.station == link.station, status) for l, status in killed] == [
        (1, True, "interrupted"), (2, False, "finished")]
    dead = store.get_session(link.session_name)
    assert f"station {link.station} stopped mid-session" in dead.status_detail
    assert st.get_job(store, job.id).attempts == 2
    interrupted = [s.name for s in store.list_sessions() if s.status == "interrupted"]
    assert interrupted == [link.session_name]  # only the killed session; no other job ran twice

    summary = json.loads(consentry(lab, "campaign", "status", "lab12", "--summary", "--json").stdout)
    rows = {row["app"]: row for row in summary["apps"]}
    assert rows["preconsent_leak"]["plans"]["accept"] == "violation"
    assert rows["withdraw"]["plans"]["withdraw-after=1"] == "violation"
    assert rows["compliant"]["plans"]["accept"] != "violation"
    assert all(len(row["reports"]) == 3 for row in rows.values())


@pytest.mark.timeout(2 * RUN_TIMEOUT_S + 300)
def test_jobs_sent_to_one_station_or_one_device_model_run_there(lab):
    """Both ways of routing jobs, one campaign after the other on the same stations."""
    from analyzer.campaign.broker import job_queue
    from analyzer.lab.scenarios import device_profile_full

    create(lab, "one", apps=("compliant", "preconsent_leak"), plans="accept")
    out = finish(start_run(lab, "one", SHARED_BROKER, "--station", "st2"), lab)
    assert "sent 2 jobs of campaign one to station st2" in out
    links = check_complete(lab["store"], "one", 2)
    assert {link.station for job_links in links.values() for link, _ in job_links} == {"st2"}

    model = device_profile_full()["build"]["MODEL"]  # what the lab device reports, as Build.MODEL
    create(lab, "model", ("compliant",), "accept", "--device-model", model, reports=False)
    finish(start_run(lab, "model"), lab)
    check_complete(lab["store"], "model", 1)
    assert job_queue(lab["prefix"], st.get_campaign(lab["store"], "model")) == f"{lab['prefix']}.jobs.model.{model.replace(' ', '-')}"


@pytest.fixture
def private_rabbit():
    # Not under tmp_path: the server runs as the rabbitmq user, who cannot enter pytest's private dirs.
    base = Path(tempfile.mkdtemp(prefix="consentry-rabbit-"))
    os.chmod(base, 0o755)
    rabbit = PrivateRabbit(base)
    try:
        rabbit.start()
        yield rabbit
    finally:
        rabbit.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.timeout(RUN_TIMEOUT_S + 300)
def test_broker_restart_mid_campaign_loses_no_job(private_rabbit, pg_store, pg_database_url, tmp_path, lab_classes):
    prefix = unique_prefix()
    env = worker_env(pg_database_url, tmp_path)
    workers = {"st1": station("st1", broker=private_rabbit.url, prefix=prefix, env=env, tmp_path=tmp_path),
               "analysis": analysis_worker(broker=private_rabbit.url, prefix=prefix, env=env, tmp_path=tmp_path)}
    lab = {"prefix": prefix, "env": env, "workers": workers, "store": pg_store, "tmp": tmp_path}
    try:
        for w in workers.values():
            w.wait_ready()
        create(lab, "restart", apps=("preconsent_leak", "compliant"), plans="accept,accept-after=1")
        run = subprocess.Popen([str(CONSENTRY), "campaign", "run", "restart", "--broker", private_rabbit.url,
                                "--queue-prefix", prefix, "--no-wait"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        out, _ = run.communicate(timeout=120)
        assert run.returncode == 0 and "sent 4 jobs" in out, out
        wait_mid_session(pg_store, "restart")
        private_rabbit.stop()  # three jobs wait in the queue, one is mid-session with its message unacknowledged
        time.sleep(2)
        private_rabbit.start()
        deadline = time.monotonic() + RUN_TIMEOUT_S
        campaign = st.get_campaign(pg_store, "restart")
        while time.monotonic() < deadline:
            if all(j.state in ("finished", "failed", "cancelled") for j in st.jobs_of(pg_store, campaign)):
                break
            time.sleep(1)
        logs = "\n".join(f"--- {n}\n{w.tail()}" for n, w in workers.items())
        assert [j.state for j in st.jobs_of(pg_store, campaign)] == ["finished"] * 4, logs
        check_complete(pg_store, "restart", 4)
        assert "Connection to broker lost" in workers["st1"].tail(10**6)  # the restart really cut the station off
    finally:
        for w in workers.values():
            w.terminate()
        for w in workers.values():
            w.stop()


@pytest.mark.timeout(RUN_TIMEOUT_S + 300)
def test_redis_broker_runs_a_campaign(pg_store, pg_database_url, tmp_path, lab_classes):
    """The same stations on Redis (127.0.0.1:6379): queues of this run only, on the default database."""
    pytest.importorskip("redis", reason="Celery's Redis transport needs the redis package (extra: consentry[redis])")
    broker = "redis://127.0.0.1:6379/0"
    prefix = unique_prefix()
    env = worker_env(pg_database_url, tmp_path)
    workers = {"st1": station("st1", broker=broker, prefix=prefix, env=env, tmp_path=tmp_path),
               "analysis": analysis_worker(broker=broker, prefix=prefix, env=env, tmp_path=tmp_path)}
    lab = {"prefix": prefix, "env": env, "workers": workers, "store": pg_store, "tmp": tmp_path}
    try:
        for w in workers.values():
            w.wait_ready()
        create(lab, "redis", apps=("preconsent_leak",), plans="accept,accept-after=1")
        finish(start_run(lab, "redis", broker=broker), lab)
        check_complete(pg_store, "redis", 2)
    finally:
        for w in workers.values():
            w.terminate()
        for w in workers.values():
            w.stop()
        delete_queues(broker, prefix, ["st1"])
