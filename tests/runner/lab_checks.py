"""What a lab session must show to meet its scenario's expectation: one check, used by the
scenario x consent matrix (test_lab_e2e.py) and by the driver tests whose runs are the
same sessions as matrix cases (test_driver_lab_e2e.py), so each such session runs once."""

from __future__ import annotations

from analyzer.analysis.findings import finding_json
from analyzer.runner.demo import consent_carried_out, consent_failures, launches_for, plan_for, screen_expected
from analyzer.runner.expectations import check_counts, check_findings, stored_api_counts

# --dialog-timeout of the matrix runs. With "none" nobody taps: the app only has to give up on
# its dialog after the driver saw it. Otherwise the driver must tap each screen before the app
# gives up on it (the hooks' hint wakes it; an in-process click follows 3 s after a hint the
# tree does not show), and the app then idles this long after the last tap before it ends.
NONE_DIALOG_TIMEOUT_S = "4"
DIALOG_TIMEOUT_S = "6"


def dialog_timeout(choice: str) -> str:
    return NONE_DIALOG_TIMEOUT_S if choice == "none" else DIALOG_TIMEOUT_S


def run_args(scenario: str, choice: str, session: str) -> list[str]:
    """`consentry run` arguments of a matrix case's session (its last launch)."""
    from analyzer.lab.scenarios import get_scenario

    launch = launches_for(get_scenario(scenario).model_dump(), choice)
    return ["run", "--app", scenario, "--consent", plan_for(choice).spec, "--session", session,
            "--dialog-timeout", dialog_timeout(choice), "-q", *(["--keep-data"] if launch > 1 else [])]


def assert_nothing_lost(store, session) -> None:
    """Every event the hooks delivered, and every request the lab backend answered, is stored."""
    runner = session.meta["runner"]
    counts = store.counts(session.id)
    expected = dict(runner["received_events"])
    for etype, n in runner["runner_events"].items():
        expected[etype] = expected.get(etype, 0) + n
    assert counts["events_by_type"] == expected
    network = runner.get("network") or {}
    if network.get("backend_requests") is not None:
        answered = [f for f in store.iter_flows(session.id, with_bodies=False) if f.status_code is not None]
        assert len(answered) == network["backend_requests"]


def assert_meets_expectation(store, scenario: str, choice: str, session_name: str, stdout: str) -> None:
    """The finished session ``session_name`` (run with ``run_args``) meets the scenario's
    expectation for ``choice``: findings, API counts, the consent steps, nothing lost, hosts."""
    from analyzer.lab.scenarios import get_scenario

    spec = get_scenario(scenario)
    raw_spec = spec.model_dump()
    plan = plan_for(choice)
    launch = launches_for(raw_spec, choice)
    assert f"session {session_name}: finished" in stdout
    session = store.get_session(session_name)
    assert session.status == "finished" and session.consent_choice == plan.spec
    assert session.app.package == spec.app.package
    assert session.clock_uncertainty_ms > 0  # measured, not defaulted
    findings = [finding_json(f) for f in store.findings(store.current_run(session.id).id)]  # expectations are JSON
    expectation = spec.expect[choice].model_dump()
    check = check_findings(scenario, choice, expectation, findings)
    if spec.counts:
        check_counts(check, session.meta["runner"]["app_counts"], stored_api_counts(store, session.id), spec.counts)
    check.failures += consent_failures(plan, consent_carried_out(store, session_name),
                                       screen=screen_expected(raw_spec, launch))
    assert check.passed, check.failures
    assert_nothing_lost(store, session)
    received_hosts = set(session.meta["runner"]["network"]["backend_hosts"])
    assert set(expectation.get("hosts", [])) <= received_hosts
