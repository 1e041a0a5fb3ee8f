"""End to end on the lab device: real JVM, real Frida, real mitmproxy, through the CLI.

Every scenario x consent choice its expectation names must produce the expected
findings, with nothing lost between the hooks / the lab backend and the store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from analyzer.runner.demo import launches_for
from lab_checks import assert_meets_expectation, assert_nothing_lost, run_args

pytestmark = pytest.mark.slow

DEMO_SCENARIO = "preconsent_leak"  # covered by the `consentry demo` test instead
# Matrix cases whose session another test runs anyway: that test makes the same check on it.
CHECKED_ON_ANOTHER_TESTS_RUN = {
    ("withdraw", "withdraw"): "test_driver_lab_e2e.py::test_withdraw_through_the_apps_settings_with_evidence",
    ("compliant", "accept"): "test_driver_lab_e2e.py::test_data_cleared_between_runs_unless_kept",
}


def _cases():
    from analyzer.lab.scenarios import load_scenarios

    return [(name, choice) for name, spec in sorted(load_scenarios().items()) for choice in spec.expect
            if name != DEMO_SCENARIO and (name, choice) not in CHECKED_ON_ANOTHER_TESTS_RUN]


@pytest.fixture(scope="module", autouse=True)
def lab_built():
    from analyzer.lab.build import ensure_built

    return ensure_built()


def _open(db):
    from analyzer.store import open_store

    return open_store(db)


@pytest.mark.parametrize("scenario, choice", _cases(), ids=lambda v: str(v))
def test_scenario_meets_expectation(cli, tmp_path, scenario, choice):
    from analyzer.lab.scenarios import get_scenario

    db = f"sqlite:///{tmp_path / 'run.db'}"
    launch = launches_for(get_scenario(scenario).model_dump(), choice)
    for earlier in range(1, launch):  # apps that ask on a later launch: launched before, data kept
        r = cli("run", "--app", scenario, "--consent", "none", "--session", f"s-launch{earlier}", "--dialog-timeout",
                "1.5", "--no-analyze", "-q", *(["--keep-data"] if earlier > 1 else []), db=db, timeout=150)
        assert r.returncode == 0, r.stdout + r.stderr
    r = cli(*run_args(scenario, choice, "s"), db=db, timeout=150)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_meets_expectation(_open(db), scenario, choice, "s", r.stdout)


def test_matrix_cases_checked_elsewhere_are_real_cases():
    from analyzer.lab.scenarios import load_scenarios

    scenarios = load_scenarios()
    assert all(choice in scenarios[name].expect for name, choice in CHECKED_ON_ANOTHER_TESTS_RUN)


def _consentry() -> str:
    return str(Path(sys.executable).parent / "consentry")


def _wait(pred, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _start_waiting_at_dialog(tmp_path, db: str, session: str) -> tuple[subprocess.Popen, int]:
    """`consentry run` of an app that leaks, then sits at its dialog; returns (process, app pid).
    The user means to accept only a minute later, so the run does not end while the app is quiet."""
    env = dict(os.environ, CONSENTRY_DB=db, XDG_DATA_HOME=str(tmp_path / "xdg"))
    proc = subprocess.Popen([_consentry(), "run", "--app", "preconsent_leak", "--consent", "accept-after=60", "--session", session,
                             "--dialog-timeout", "60", "-q"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def dialog_shown():
        store = _open(db)
        row = store.find_session(session)
        if row is None or "pid" not in (row.meta.get("runner") or {}):
            return None
        counts = store.counts(row.id)
        # The app sits at its dialog once it is shown and its pre-consent uploads are recorded.
        return row.meta["runner"]["pid"] if counts["events_by_type"].get("ui") and counts["flows"] >= 2 else None

    try:
        return proc, _wait(dialog_shown, 60, "the dialog")
    except BaseException:
        proc.kill()
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killed_app_ends_session_app_crashed_without_losing_data(tmp_path):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    proc, pid = _start_waiting_at_dialog(tmp_path, db, "k")
    try:
        os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err
    store = _open(db)
    session = store.get_session("k")
    assert session.status == "app_crashed"
    assert "SIGKILL" in session.status_detail
    assert session.ended_at is not None
    assert_nothing_lost(store, session)
    assert store.counts(session.id)["flows"] >= 2
    # Recorded data is analysed like any other session.
    assert any(f.rule == "pre-consent-transmission" for f in store.findings(store.current_run(session.id).id))


def test_sigterm_stops_cleanly_as_interrupted(tmp_path):
    db = f"sqlite:///{tmp_path / 'term.db'}"
    proc, pid = _start_waiting_at_dialog(tmp_path, db, "t")
    try:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out + err
    assert "session t: interrupted" in out
    _wait(lambda: not _pid_alive(pid), 10, "the lab app to end")
    store = _open(db)
    session = store.get_session("t")
    assert session.status == "interrupted" and "SIGTERM" in session.status_detail
    assert_nothing_lost(store, session)


def test_dead_proxy_ends_session_proxy_error(tmp_path):
    db = f"sqlite:///{tmp_path / 'proxy.db'}"
    proc, pid = _start_waiting_at_dialog(tmp_path, db, "p")
    try:
        os.kill(_open(db).get_session("p").meta["runner"]["proxy_pid"], signal.SIGKILL)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err
    session = _open(db).get_session("p")
    assert session.status == "proxy_error" and "mitmdump exited" in session.status_detail
    _wait(lambda: not _pid_alive(pid), 10, "the lab app to end")
    # Flows the proxy had committed before it died stay recorded.
    assert _open(db).counts(session.id)["flows"] >= 2


def test_frida_detach_from_outside_ends_session_detached(tmp_path):
    from analyzer.devices import open_backend
    from analyzer.runner.consent import parse_consent_plan
    from analyzer.runner.session import RunConfig, SessionRunner

    store = _open(f"sqlite:///{tmp_path / 'detach.db'}")
    config = RunConfig(device="lab", app="preconsent_leak", consent=parse_consent_plan("none"), session_name="d",
                       dialog_timeout_ms=60_000, analyze=False, end_when_quiet=False)
    runner = SessionRunner(store, config, open_backend("lab"))
    detached_at: list[dict] = []

    def detach_when_dialog_shows():
        _wait(lambda: runner.received.get("ui"), 60, "the dialog")
        detached_at.append(dict(runner.received))
        runner.hooks.unload()  # the agent goes away under the runner's feet

    helper = threading.Thread(target=detach_when_dialog_shows, daemon=True)
    helper.start()
    result = runner.run()
    helper.join(5)
    assert detached_at, "the helper never detached"
    assert result.status == "detached"
    assert "application-requested" in result.status_detail
    session = store.get_session("d")
    assert session.status == "detached"
    assert_nothing_lost(store, session)
    assert store.counts(session.id)["events_by_type"].get("ui", 0) >= 1


def _meanings(store, name):
    session = store.get_session(name)
    findings = store.findings(store.current_run(session.id).id)
    return {(f.rule, f.pii_type, f.destination.host if f.destination else None, f.sdk, f.phase) for f in findings}


def test_server_replay_reproduces_live_findings(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'replay.db'}"
    live = cli("run", "--app", "preconsent_leak", "--consent", "accept", "--session", "live", "--dialog-timeout", "3",
               "-q", db=db, timeout=150)
    assert live.returncode == 0, live.stdout + live.stderr
    replay = cli("run", "--app", "preconsent_leak", "--consent", "accept", "--session", "replayed",
                 "--replay-server", "live", "--dialog-timeout", "3", "-q", db=db, timeout=150)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    store = _open(db)
    assert_nothing_lost(store, store.get_session("live"))
    replayed = store.get_session("replayed")
    # No lab backend ran: every response came from the recording.
    assert replayed.meta["runner"]["network"] == {"backend": None}
    flows = list(store.iter_flows(replayed.id, with_bodies=False))
    assert flows and all(f.status_code == 200 and f.error is None for f in flows)
    live_meanings = _meanings(store, "live")
    assert live_meanings and _meanings(store, "replayed") == live_meanings

    # A recording without this app's hosts: its requests are killed, recorded as errors, never sent upstream.
    other = cli("run", "--app", "compliant", "--consent", "accept", "--session", "unmatched",
                "--replay-server", "live", "--dialog-timeout", "3", "-q", db=db, timeout=150)
    assert other.returncode == 0, other.stdout + other.stderr
    assert "replay: 0 requests had no recorded response" in replay.stdout
    recorded = {(f.method, f.url) for f in store.iter_flows(store.get_session("live").id, with_bodies=False)}
    flows = list(store.iter_flows(store.get_session("unmatched").id, with_bodies=False))
    killed = [f for f in flows if (f.method, f.url) not in recorded]
    assert killed and all(f.error and f.status_code is None for f in killed)
    assert f"replay: {len(killed)} requests had no recorded response" in other.stdout
    assert all(f.status_code == 200 for f in flows if (f.method, f.url) in recorded)


def test_withdraw_through_sdk_consent_apis(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    r = cli("run", "--app", "withdraw", "--consent", "withdraw-after=0.5", "--withdraw-via", "sdk", "--session", "w",
            "--dialog-timeout", "4", "-q", db=db, timeout=150)
    assert r.returncode == 0, r.stdout + r.stderr
    store = _open(db)
    session = store.get_session("w")
    assert session.meta["runner"]["consent_clicks"] == ["positive", "withdraw-sdk"]
    consent = [e.data for e in store.iter_events(session.id, types=["consent"])]
    granted = [c for c in consent if c["action"] == "granted"]
    withdrawn = [c for c in consent if c["action"] == "withdrawn" and c["source"] == "sdk_api"]
    # The hooks saw the SDKs' own consent APIs switched off, after the grant.
    assert granted and withdrawn
    assert min(c["ts"] for c in withdrawn) > min(c["ts"] for c in granted)
    assert {c.get("sdk") for c in withdrawn} >= {"umeng"}


def test_run_rejects_bad_input_in_one_line(cli, tmp_path):
    for args, words in [
        (("run", "--app", "preconsent_leak", "--consent", "maybe"), "--consent must be"),
        (("run", "--app", "no_such_scenario"), "no lab scenario"),
        (("run", "--app", "x", "--device", "phone"), "--device must be"),
        (("run", "--app", "withdraw", "--withdraw-via", "mail"), "--withdraw-via must be"),
        (("run", "--app", "preconsent_leak", "--replay-server", "nope"), "no session named 'nope'"),
    ]:
        r = cli(*args, timeout=60)
        assert r.returncode == 2, r.stdout + r.stderr
        assert words in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_demo_end_to_end(console_script, tmp_path):
    out_dir = tmp_path / "reports"
    r = console_script("demo", "--scenario", DEMO_SCENARIO, "--output-dir", str(out_dir), db=f"sqlite:///{tmp_path / 'demo.db'}",
            timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    report = out_dir / "com.labshop.leaky.html"
    assert report.is_file() and str(report) in r.stdout.replace("\n", "")
    html = report.read_text(encoding="utf-8")
    assert "ulogs.umeng.com" in html and "<script>alert" not in html
    for choice in ("accept", "refuse", "none"):
        assert f"{DEMO_SCENARIO} consent={choice}" in r.stdout
    assert r.stdout.count("PASS") >= 3 and "FAIL" not in r.stdout
    assert "all 3 sessions met their expectation" in r.stdout

    bad = console_script("demo", "--scenario", "nope", "--output-dir", str(out_dir), timeout=60)
    assert bad.returncode == 2 and "unknown scenario 'nope'" in bad.stderr


def test_canary_identities_replace_the_device_values_end_to_end(cli, tmp_path):
    from analyzer.lab.scenarios import device_profile

    db = f"sqlite:///{tmp_path / 'canary.db'}"
    r = cli("run", "--app", "preconsent_leak", "--consent", "none", "--canary", "--session", "c",
            "--dialog-timeout", "1", "-q", db=db, timeout=150)
    assert r.returncode == 0, r.stdout + r.stderr
    store = _open(db)
    session = store.get_session("c")
    real_imei = device_profile()["imei"]
    canary = {i.value for i in store.identifiers(session.id) if i.kind == "imei" and i.source == "canary"}
    assert canary and real_imei not in canary
    findings = store.findings(store.current_run(session.id).id)
    leaked = {f.evidence.value for f in findings if f.pii_type == "imei" and f.rule == "pre-consent-transmission"}
    # What reached the wire is the session's canary, never the device's own IMEI.
    assert leaked and leaked <= canary
    assert all(real_imei not in f.request_body.decode("utf-8", "replace") for f in store.iter_flows(session.id))


def test_accept_after_waits_before_clicking(cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'later.db'}"
    r = cli("run", "--app", "compliant", "--consent", "accept-after=1.5", "--session", "later",
            "--dialog-timeout", "6", "-q", db=db, timeout=150)
    assert r.returncode == 0, r.stdout + r.stderr
    store = _open(db)
    session = store.get_session("later")
    consent = [e for e in store.iter_events(session.id, types=["consent"]) if e.data.get("source") != "sdk_api"]
    shown = min(e.ts_source_ms for e in consent if e.data["action"] == "shown")
    granted = min(e.ts_source_ms for e in consent if e.data["action"] == "granted")
    assert 1400 <= granted - shown <= 5000
    assert session.meta["runner"]["consent_clicks"] == ["positive"]
