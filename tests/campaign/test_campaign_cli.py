"""`consentry campaign create|status|list|retry|cancel` in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.cli.common import state


@pytest.fixture
def invoke(store_url, monkeypatch):
    """Run a consentry command in-process against the parametrised store; returns the click result."""
    runner = CliRunner()
    # Tables unfolded, as on a wide terminal. Through COLUMNS, which the CLI's consoles read at
    # each use: setting a console's width would pin it for every later in-process CLI run.
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str):
        monkeypatch.setattr(state, "db_url", None)
        return runner.invoke(app, ["--db", store_url, *args], catch_exceptions=False, standalone_mode=False)

    return run


@pytest.fixture
def apps_file(tmp_path):
    apk = tmp_path / "apks" / "shop.apk"
    apk.parent.mkdir()
    apk.write_bytes(b"PK\x03\x04 not really a zip")
    path = tmp_path / "apps.txt"
    path.write_text("# lab scenarios and an APK\npreconsent_leak\ncompliant 1.0.0   # pinned version\n\napks/shop.apk\n")
    return path


@pytest.fixture
def run_main(store_url, capsys, monkeypatch):
    """Through main(), in-process: the error contract (exit code, one line on stderr) as a user sees it."""
    from analyzer.cli import main

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(state, "db_url", None)
        capsys.readouterr()
        try:
            main(["--db", store_url, *args])
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        return code, capsys.readouterr().err

    return run


def test_create_makes_one_pending_job_per_app_and_plan(invoke, apps_file, store_url, tmp_path):
    r = invoke("campaign", "create", "c1", "--apps", str(apps_file), "--plans", "accept,refuse,withdraw-after=20",
               "--duration", "30")
    assert r.exit_code == 0, r.output
    assert "3 apps × 3 plans = 9 jobs" in r.output
    r = invoke("campaign", "status", "c1", "--json")
    data = json.loads(r.output)
    jobs = data["jobs"]
    assert [(j["app"].rsplit("/", 1)[-1], j["version"], j["plan"]) for j in jobs] == [
        (app, version, plan)
        for app, version in (("preconsent_leak", None), ("compliant", "1.0.0"), ("shop.apk", None))
        for plan in ("accept", "refuse", "withdraw-after=20")
    ]
    assert {j["state"] for j in jobs} == {"pending"} and all(j["attempts"] == 0 for j in jobs)
    assert jobs[6]["apk"] == str((tmp_path / "apks" / "shop.apk").resolve())
    assert data["campaign"]["status"] == "pending" and data["campaign"]["duration_s"] == 30.0
    assert data["campaign"]["counts"] == {"pending": 9}
    human = invoke("campaign", "status", "c1")
    assert "compliant 1.0.0" in human.output and "withdraw-after=20" in human.output


def test_list_retry_and_cancel(invoke, apps_file, store):
    from analyzer.campaign import state as st

    assert invoke("campaign", "create", "c2", "--apps", str(apps_file), "--plans", "none").exit_code == 0
    assert invoke("campaign", "create", "c3", "--apps", str(apps_file), "--plans", "accept,none").exit_code == 0
    listed = json.loads(invoke("campaign", "list", "--json").output)
    assert [(c["name"], c["jobs"], c["status"]) for c in listed] == [("c2", 3, "pending"), ("c3", 6, "pending")]

    # two jobs fail for good, one is mid-run: retry takes only the failed ones back
    campaign = st.get_campaign(store, "c3")
    jobs = st.jobs_of(store, campaign)
    for job in jobs[:3]:
        claim = st.claim(store, job.id, "station-a", f"tok-{job.ordinal}", ttl_s=60)
        assert claim.outcome == "run" or (claim.outcome == "app_busy" and claim.holder == "station-a")
    running = st.jobs_of(store, campaign, ["running"])
    assert [j.ordinal for j in running] == [1, 3]  # job 2 is the same app as job 1: its lease waits
    for job in running:
        with store.session() as s:  # out of attempts: the next failure is final
            s.get(type(job), job.id).attempts = 3
        assert st.attempt_failed(store, job.id, f"tok-{job.ordinal}", "app crashed") == "failed"
    assert json.loads(invoke("campaign", "status", "c3", "--json").output)["campaign"]["counts"] == {"failed": 2, "pending": 4}
    r = invoke("campaign", "retry", "c3", "--failed")
    assert r.exit_code == 0 and "2 failed jobs" in r.output
    after = {j.ordinal: (j.state, j.attempts, j.error) for j in st.jobs_of(store, campaign)}
    assert after[1] == ("pending", 0, None) and after[3] == ("pending", 0, None)

    # cancel: waiting jobs now; a running one is left to its station's heartbeat
    claim = st.claim(store, jobs[3].id, "station-b", "tok-b", ttl_s=60)
    assert claim.outcome == "run"
    r = invoke("campaign", "cancel", "c3")
    assert r.exit_code == 0 and "5 waiting jobs cancelled, 1 running" in r.output
    assert st.heartbeat(store, jobs[3].id, "tok-b", 60) == "cancelled"
    assert st.jobs_of(store, st.get_campaign(store, "c2"))[0].state == "pending"  # other campaigns untouched
    statuses = {c["name"]: c["status"] for c in json.loads(invoke("campaign", "list", "--json").output)}
    assert statuses == {"c2": "pending", "c3": "cancelled"}


@pytest.mark.parametrize(
    "lines, plans, message",
    [
        ("preconsent_leak\nmissing/app.apk\n", "accept", "apps.txt:2: APK missing/app.apk does not exist"),
        ("preconsent_leak\n# again\npreconsent_leak  # twice\n", "accept", "apps.txt:3: duplicate of line 1"),
        ("preconsent_leak\n", "accept,maybe", "unknown plan 'maybe' in --plans"),
        ("preconsent_leak\n", "accept,accept", "plan 'accept' is given twice"),
        ("# nothing\n\n", "accept", "names no app"),
        ("a b c\n", "accept", "expected 'APP [VERSION]'"),
        ("bad;name\n", "accept", "neither an APK path nor a package name"),
    ],
)
def test_bad_input_is_one_line_and_queues_nothing(run_main, store, tmp_path, lines, plans, message):
    apps = tmp_path / "apps.txt"
    apps.write_text(lines)
    code, err = run_main("campaign", "create", "bad", "--apps", str(apps), "--plans", plans)
    assert code == 2, err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    from analyzer.campaign import state as st

    assert st.list_campaigns(store) == []


def test_other_errors_are_one_line(run_main, apps_file, store):
    assert run_main("campaign", "create", "dup", "--apps", str(apps_file))[0] == 0
    cases = [
        (("campaign", "create", "dup", "--apps", str(apps_file)), "a campaign named 'dup' already exists"),
        (("campaign", "create", "x/y", "--apps", str(apps_file)), "invalid campaign name"),
        (("campaign", "create", "n", "--apps", str(apps_file.parent)), "is a directory"),
        (("campaign", "status", "nope"), "no campaign named 'nope'"),
        (("campaign", "retry", "dup"), "--failed"),
        (("campaign", "run", "dup"), "no broker configured"),
        (("campaign", "run", "dup", "--devices", "lab,phone"), "--device must be lab, usb or usb:SERIAL"),
        (("campaign", "run", "dup", "--devices", "usb:A,usb:A"), "usb:A is named twice"),
        (("worker", "--analysis", "--device", "lab"), "exactly one of"),
        (("worker", "--device", "lab"), "no broker configured"),
        (("worker", "--device", "phone", "--broker", "amqp://127.0.0.1:1//"), "--device must be lab, usb or usb:SERIAL"),
        (("campaign", "run", "dup", "--broker", "amqp://guest:guest@127.0.0.1:1//"), "cannot send jobs to amqp://guest:***@127.0.0.1:1//"),
    ]
    for args, message in cases:
        code, err = run_main(*args)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
    from analyzer.campaign import state as st

    assert {j.state for j in st.jobs_of(store, st.get_campaign(store, "dup"))} == {"pending"}  # nothing was queued


def test_migration_matches_the_models(store):
    """The 0002_campaigns migration creates exactly what the ORM models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from analyzer.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if "campaign" in repr(d)]
    assert ours == []
