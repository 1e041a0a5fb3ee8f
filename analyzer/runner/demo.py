"""``consentry demo``: every lab scenario, for each consent choice its expectation names.

Sessions run one after another (each a JVM plus a Frida attach), each into its own
session; then one HTML report per app combines that app's sessions, and every session
is checked against its scenario's expectation (PASS/FAIL).
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from analyzer.models.events import ConsentEvent
from analyzer.runner.consent import parse_consent_plan
from analyzer.runner.expectations import CheckResult, check_counts, check_findings, stored_api_counts
from analyzer.runner.progress import Progress
from analyzer.runner.session import RunConfig, RunError, RunResult

DEMO_DURATION_S = 60.0  # a safety net: lab apps end on their own in seconds
WITHDRAW_AFTER_S = 1.0


class DemoError(Exception):
    pass


@dataclass
class DemoRow:
    scenario: str
    choice: str
    result: RunResult | None
    check: CheckResult
    findings: list[dict[str, Any]] = field(default_factory=list)
    consent: list[tuple[str, str]] = field(default_factory=list)  # (action, via) the driver recorded


@dataclass
class DemoOutcome:
    rows: list[DemoRow]
    reports: dict[str, Path]

    @property
    def passed(self) -> bool:
        return all(r.check.passed for r in self.rows)


def default_output_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("consentry")) / "consentry-demo"


def plan_for(choice: str):
    """The --consent plan that exercises an expectation key (accept/refuse/none/withdraw)."""
    if choice == "withdraw":
        return parse_consent_plan(f"withdraw-after={WITHDRAW_AFTER_S:g}")
    return parse_consent_plan(choice)


def demo_choices(spec: dict[str, Any]) -> list[str]:
    """The consent choices a scenario is run with: those it declares, plus a withdrawal where its UI has one."""
    choices = list(spec.get("consent_choices") or (spec.get("expect") or {}).keys())
    if (spec.get("consent_ui") or {}).get("withdraw") and "withdraw" not in choices:
        choices.append("withdraw")
    return choices


def launches_for(spec: dict[str, Any], choice: str) -> int:
    """Which launch of the app a choice's session is: its expectation says (``launches``); a
    withdrawal is made on the launch that shows the consent screen (``consent_ui.launches``)."""
    expectation = (spec.get("expect") or {}).get(choice) or {}
    value = expectation.get("launches")
    if value is None and choice == "withdraw":
        value = (spec.get("consent_ui") or {}).get("launches")
    try:
        return max(int(value or 1), 1)
    except (TypeError, ValueError):
        return 1


def screen_expected(spec: dict[str, Any], launch: int) -> bool:
    """Whether the app shows its consent screen on this launch (second-launch dialogs do not on the first)."""
    try:
        return launch >= int((spec.get("consent_ui") or {}).get("launches") or 1)
    except (TypeError, ValueError):
        return True


def select_scenarios(names: list[str] | None) -> list[dict[str, Any]]:
    from analyzer.devices.lab import scenario_expectations

    known = scenario_expectations()
    if not names:
        return list(known.values())
    missing = [n for n in names if n not in known]
    if missing:
        raise DemoError(f"unknown scenario {missing[0]!r}; known: {', '.join(sorted(known))}")
    return [known[n] for n in dict.fromkeys(names)]


def run_demo(
    store,
    *,
    scenarios: list[str] | None,
    output_dir: Path,
    console: Console,
    dialog_timeout_ms: int = 10000,
    quiet: bool = True,
    db_url: str | None = None,
) -> DemoOutcome:
    from analyzer.runner.run import run_session

    chosen = select_scenarios(scenarios)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"cannot create {output_dir}: {exc.strerror or exc}") from None
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    rows: list[DemoRow] = []
    for spec in chosen:
        name = spec["name"]
        for choice in demo_choices(spec):
            expectation = (spec.get("expect") or {}).get(choice) or {}
            plan = plan_for(choice)
            session = f"demo-{stamp}-{name}-{choice}"
            console.print(f"[bold]{escape(name)}[/bold] consent={choice} -> session {escape(session)}", soft_wrap=True)
            progress = Progress(console=console, quiet=quiet, live=False)
            try:
                # Apps that ask only on a later launch are launched before (data kept), as a tester would.
                launch = launches_for(spec, choice)
                for earlier in range(1, launch):
                    run_session(store, RunConfig(device="lab", app=name, consent=parse_consent_plan("none"),
                                                 duration_s=DEMO_DURATION_S, session_name=f"{session}-launch{earlier}",
                                                 dialog_timeout_ms=dialog_timeout_ms, keep_data=earlier > 1,
                                                 analyze=False),
                                progress=progress)
                config = RunConfig(device="lab", app=name, consent=plan, duration_s=DEMO_DURATION_S,
                                   session_name=session, dialog_timeout_ms=dialog_timeout_ms,
                                   keep_data=launch > 1)
                result = run_session(store, config, progress=progress)
            except RunError as exc:
                rows.append(DemoRow(name, choice, None, CheckResult(name, choice, [f"run failed: {exc}"])))
                continue
            findings = list(getattr(result.analysis, "findings", None) or [])
            check = check_findings(name, choice, expectation, findings)
            if result.analysis is None:
                check.failures.append("not analysed: " + "; ".join(result.problems[-1:]))
            if result.status != "finished":
                check.failures.append(f"session ended {result.status}: {result.status_detail}")
            carried = consent_carried_out(store, session)
            check.failures.extend(consent_failures(plan, carried, screen=screen_expected(spec, launch)))
            if spec.get("counts"):
                session_id = store.get_session(session).id
                check_counts(check, result.app_counts, stored_api_counts(store, session_id), spec["counts"])
            rows.append(DemoRow(name, choice, result, check, findings, carried))
            mark = "[green]PASS[/green]" if check.passed else "[red]FAIL[/red]"
            console.print(f"  {mark} {len(findings)} findings" + "".join(f"\n    - {escape(f)}" for f in check.failures), soft_wrap=True)
    reports = write_reports(store, rows, output_dir, console)
    print_summary(rows, reports, console)
    return DemoOutcome(rows, reports)


# What a plan must have done on the app's own consent UI (source ui events).
PLAN_ACTIONS = {"accept": ("shown", "granted"), "accept-after": ("shown", "granted"), "refuse": ("shown", "refused"),
                "none": ("shown",), "withdraw-after": ("shown", "granted", "withdrawn")}


def consent_carried_out(store, session_name: str) -> list[tuple[str, str]]:
    """The consent steps the driver recorded in a session: (action, via), in order."""
    session_id = store.get_session(session_name).id
    out = []
    for stored in store.iter_events(session_id, types=["consent"]):
        ev = stored.event
        if isinstance(ev, ConsentEvent) and ev.source == "ui" and ev.via:
            out.append((ev.action, ev.via))
    return out


def consent_failures(plan, carried: list[tuple[str, str]], *, screen: bool = True) -> list[str]:
    done = [action for action, _ in carried]
    if not screen:  # a launch without a consent screen: nothing may have been done on one
        return [f"a consent step {a!r} recorded on a launch without a consent screen" for a in done if a != "shown"]
    missing = [a for a in PLAN_ACTIONS.get(plan.choice, ()) if a not in done]
    return [f"consent not carried out: no {a!r} step on the app's consent UI" for a in missing]


def write_reports(store, rows: list[DemoRow], output_dir: Path, console: Console) -> dict[str, Path]:
    """One HTML report per app, combining that app's sessions, rendered from the store a
    page at a time into the file."""
    from analyzer.fileio import atomic_output
    from analyzer.report import write_report
    from analyzer.report.build import stream_report

    by_app: dict[str, list[str]] = collections.defaultdict(list)
    for row in rows:
        if row.result is not None:
            by_app[row.result.target.package].append(row.result.session_name)
    paths: dict[str, Path] = {}
    for package, sessions in by_app.items():
        try:
            reports = [stream_report(store, s) for s in sessions]
            path = output_dir / f"{package}.html"
            with atomic_output(path) as fh:
                write_report(reports, "html", fh)
            paths[package] = path
        except Exception as exc:  # noqa: BLE001 - one broken report must not hide the others
            console.print(f"[yellow]report for {escape(package)} failed: {escape(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}[/yellow]", soft_wrap=True)
    return paths


def _phases(findings: list[dict[str, Any]]) -> str:
    counts = collections.Counter(f.get("phase") for f in findings)
    return ", ".join(f"{p} {n}" for p, n in sorted(counts.items(), key=lambda kv: str(kv[0]))) or "-"


def _sdks(findings: list[dict[str, Any]]) -> str:
    sdks = sorted({f.get("sdk") or (f.get("destination") or {}).get("sdk") for f in findings} - {None})
    return ", ".join(sdks) or "-"


def print_summary(rows: list[DemoRow], reports: dict[str, Path], console: Console) -> None:
    table = Table(title="consentry demo")
    for col in ("scenario", "consent", "status", "done on the consent UI", "findings by phase", "SDKs", "check"):
        table.add_column(col)
    for row in rows:
        status = row.result.status if row.result else "error"
        done = ", ".join(f"{a}" + ("" if via == "ui-tree" else f" ({via})") for a, via in row.consent) or "-"
        table.add_row(row.scenario, row.choice, status, done, _phases(row.findings), _sdks(row.findings),
                      "[green]PASS[/green]" if row.check.passed else "[red]FAIL[/red]")
    console.print(table)
    for package, path in sorted(reports.items()):
        console.print(f"report {escape(package)}: {escape(str(path))}", soft_wrap=True)
    failed = [r for r in rows if not r.check.passed]
    if failed:
        console.print(f"[red]{len(failed)} of {len(rows)} sessions did not meet their expectation[/red]", soft_wrap=True)
    else:
        console.print(f"[green]all {len(rows)} sessions met their expectation[/green]", soft_wrap=True)
