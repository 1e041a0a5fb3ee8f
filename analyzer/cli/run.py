"""``consentry run`` (one device session) and ``consentry demo`` (the lab scenarios end to end)."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Optional

import typer

from analyzer.cli.common import CliError, console, open_store, state

EXIT_BY_STATUS = {"finished": 0, "interrupted": 130}


def register(app: typer.Typer) -> None:
    app.command("run", help="Record one device session: proxy, app with hooks, consent flow, analysis.")(run_command)
    app.command("demo", help="Run the lab scenarios end to end and write an HTML report per app.")(demo_command)


def run_command(
    app_name: Optional[str] = typer.Option(None, "--app", help="Lab: a scenario name or its package. USB: the Android package."),
    apk: Optional[Path] = typer.Option(None, "--apk", help="Install this app first, then run it (lab: built with `consentry lab build`)."),
    device: str = typer.Option("lab", "--device", help="lab | usb | usb:SERIAL"),
    consent: str = typer.Option("none", "--consent", help="accept | refuse | refuse=exit | none | accept-after=S | withdraw-after=S"),
    duration: Optional[float] = typer.Option(None, "--duration", help="Stop after S seconds (default: when the app ends; USB: 60)."),
    canary: bool = typer.Option(False, "--canary", help="Hooks return session-unique fake identifiers."),
    session: Optional[str] = typer.Option(None, "--session", help="Session name (default: APP-CONSENT-TIMESTAMP)."),
    no_analyze: bool = typer.Option(False, "--no-analyze", help="Record only; run `consentry analyze` later."),
    replay_server: Optional[str] = typer.Option(None, "--replay-server", help="Serve the app the recorded responses of session NAME."),
    replay_unmatched: str = typer.Option("kill", "--replay-unmatched", help="Requests with no recorded response: kill | forward."),
    dialog_timeout: float = typer.Option(8.0, "--dialog-timeout", help="Lab: the longest the simulated user stays on an idle screen before leaving the app (a run ends sooner once the app is quiet)."),
    confdir: Optional[str] = typer.Option(None, "--confdir", help="mitmproxy confdir (its CA); default ~/.mitmproxy."),
    withdraw_via: str = typer.Option("ui", "--withdraw-via", help="withdraw-after: ui (the app's 撤回同意 button, SDK consent APIs if none) | sdk (SDK consent APIs only)."),
    inject_ca: bool = typer.Option(False, "--inject-ca", help="USB: add the proxy CA to the app's CA store for this run (a tmpfs in its mount namespace)."),
    permissions: str = typer.Option("none", "--permissions", help="With --apk: runtime permissions granted at install: none | all | NAME,NAME."),
    keep_data: bool = typer.Option(False, "--keep-data", help="Keep the app's data (default: cleared before the run)."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="JSON file of extra consent-screen words (docs/runner.md)."),
    consent_timeout: float = typer.Option(30.0, "--consent-timeout", help="Seconds the consent screen may take to show."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live progress."),
) -> None:
    from analyzer.devices.base import PermissionPolicy
    from analyzer.runner.consent import parse_consent_plan
    from analyzer.runner.progress import Progress
    from analyzer.runner.run import run_session
    from analyzer.runner.session import RunConfig, RunError

    if (app_name is None) == (apk is None):
        raise CliError("give exactly one of --app PACKAGE and --apk FILE")
    if apk is not None:
        if not apk.is_file():
            raise CliError(f"no such app file: {apk}")
        app_name = str(apk.resolve())
    try:
        plan = parse_consent_plan(consent)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if duration is not None and not 0 < duration <= 24 * 3600:
        raise CliError("--duration must be > 0 and at most 86400 seconds")
    if not 0 < dialog_timeout <= 3600:
        raise CliError("--dialog-timeout must be > 0 and at most 3600 seconds")
    if withdraw_via not in ("ui", "sdk"):
        raise CliError("--withdraw-via must be ui or sdk")
    if replay_unmatched not in ("kill", "forward"):
        raise CliError("--replay-unmatched must be kill or forward")
    try:
        permission_policy = PermissionPolicy.parse(permissions)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not 0 < consent_timeout <= 3600:
        raise CliError("--consent-timeout must be > 0 and at most 3600 seconds")
    if device.startswith("usb") and duration is None:
        duration = 60.0
    store = open_store()
    if replay_server is not None and store.find_session(replay_server) is None:
        raise CliError(f"no session named {replay_server!r} to replay (see `consentry sessions list`)")
    config = RunConfig(
        device=device, app=app_name, consent=plan, duration_s=duration, canary=canary, session_name=session,
        analyze=not no_analyze, replay_server=replay_server, replay_unmatched=replay_unmatched,
        dialog_timeout_ms=int(dialog_timeout * 1000), confdir=confdir, withdraw_via=withdraw_via, inject_ca=inject_ca,
        permissions=permission_policy, keep_data=keep_data, lexicon=str(lexicon) if lexicon else None,
        consent_timeout_s=consent_timeout,
    )
    try:
        result = run_session(store, config, progress=Progress(quiet=quiet))
    except RunError as exc:
        raise CliError(str(exc)) from None
    print_run_result(result, store)
    code = EXIT_BY_STATUS.get(result.status, 1)
    if code:
        raise typer.Exit(code)


def print_run_result(result, store) -> None:
    c = result.stored
    name = _esc(result.session_name)
    console.print(f"session [bold]{name}[/bold]: {result.status} ({_esc(result.status_detail)})", soft_wrap=True)
    console.print(f"  recorded {c.get('flows', 0)} flows ({c.get('flow_errors', 0)} with errors), "
                  f"{c.get('events', 0)} events {_esc(str(c.get('events_by_type', {})))}, {c.get('identifiers', 0)} identifiers", soft_wrap=True)
    if result.clock is not None:
        console.print(f"  clock offset {result.clock.offset_ms:+.1f} ms ± {result.clock.uncertainty_ms:.1f} ms", soft_wrap=True)
    if result.replay_unmatched is not None:
        console.print(f"  replay: {result.replay_unmatched} requests had no recorded response (killed, recorded as flows with an error)", soft_wrap=True)
    for problem in result.problems:
        console.print(f"  [yellow]note:[/yellow] {_esc(problem)}", soft_wrap=True)
    analysis = result.analysis
    if analysis is not None:
        findings = list(getattr(analysis, "findings", []) or [])
        console.print(f"  findings: {len(findings)}" + (f" ({summarize_findings(findings)})" if findings else ""), soft_wrap=True)
    elif store is not None:
        console.print(f"  not analysed: `consentry analyze {name}`", soft_wrap=True)
    console.print(f"  report: consentry report {name} --format html --output {name}.html", soft_wrap=True)


def summarize_findings(findings: list[dict[str, Any]]) -> str:
    from analyzer.analysis.findings import rule_counts

    by_rule = collections.Counter(rule_counts(findings))
    return ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text or "")


def demo_command(
    scenario: list[str] = typer.Option([], "--scenario", help="Run only this scenario (repeatable)."),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Where the HTML reports go (default: consentry-demo in the user data dir)."),
    dialog_timeout: float = typer.Option(10.0, "--dialog-timeout", help="Seconds a lab app waits on an idle screen (for the consent driver) before it is left."),
    quiet: bool = typer.Option(True, "--quiet/--progress", help="Live progress of each session."),
) -> None:
    from analyzer.runner.demo import DemoError, default_output_dir, run_demo

    out = output_dir or default_output_dir()
    store = open_store()
    try:
        outcome = run_demo(store, scenarios=scenario or None, output_dir=out, console=console,
                           dialog_timeout_ms=int(dialog_timeout * 1000), quiet=quiet, db_url=state.db_url)
    except DemoError as exc:
        raise CliError(str(exc)) from None
    if not outcome.passed:
        raise typer.Exit(1)
