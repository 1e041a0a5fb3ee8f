"""`consentry replay` (one session or the whole corpus) and `consentry diff`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from analyzer.cli.common import CliError, console, err_console, open_store, print_json

FAIL_ON = ("new", "any", "none")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    )


def _analysis_progress(progress: Progress, task: Any) -> Callable[..., None]:
    """Adapts the pipeline's progress callback (done[, total]) to a rich task."""

    def update(*args: Any, **kwargs: Any) -> None:
        numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
        done = kwargs.get("done", numbers[0] if numbers else None)
        total = kwargs.get("total", numbers[1] if len(numbers) > 1 else None)
        if done is not None:
            progress.update(task, completed=done, total=total)

    return update


def _replay_errors():
    from analyzer.replay import ReplayError
    from analyzer.store import StoreError

    return (ReplayError, StoreError)


def _verdict_table(title: str, changes: list[Any]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("rule")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    for c in changes:
        table.add_row(Text(c.rule), str(c.before), str(c.after))
    return table


def _print_replay(outcome: Any) -> None:
    run = outcome.run
    console.print(
        Text(f"replayed {outcome.session}: {run['findings']} findings, ruleset {run['ruleset_version']} (run {run['id']})")
    )
    prev = outcome.previous
    if prev is None:
        console.print("first analysis of this session: nothing to compare with")
        return
    if outcome.same_ruleset:
        if outcome.identical:
            console.print(Text(f"findings identical to the previous run (0 changed, ruleset {prev['ruleset_version']})"))
        else:
            console.print(
                Text(f"findings DIFFER from the previous run with the same ruleset: {outcome.changed_findings} changed"),
                style="bold red",
            )
    else:
        console.print(
            Text(
                f"ruleset changed: {prev['ruleset_version']} -> {run['ruleset_version']}; "
                f"{outcome.changed_findings} findings changed"
            )
        )
    if outcome.changes:
        console.print(_verdict_table("verdict changes (findings per rule)", outcome.changes))
    else:
        console.print("no verdict changes")


def _replay_one(name: str, ruleset: str | None, as_json: bool) -> None:
    from analyzer.replay import replay_session
    from analyzer.replay.replay import check_ruleset

    store = open_store()
    try:
        check_ruleset(ruleset)
        store.get_session(name)
        with _progress() as progress:
            task = progress.add_task(f"analysing {name}", total=None)
            outcome = replay_session(store, name, ruleset=ruleset, progress=_analysis_progress(progress, task))
    except _replay_errors() as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(outcome.to_json())
    else:
        _print_replay(outcome)


def _replay_corpus(app_filter: str | None, ruleset: str | None, as_json: bool) -> None:
    from analyzer.replay import replay_all

    store = open_store()
    try:
        with _progress() as progress:
            task = progress.add_task("replaying sessions", total=None)

            def advance(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description=f"replayed {name}")

            corpus = replay_all(store, app=app_filter, ruleset=ruleset, on_progress=advance)
    except _replay_errors() as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(corpus.to_json())
    else:
        _print_corpus(corpus)
    for name, reason in corpus.failures:
        err_console.print(Text(f"consentry: replay of {name} failed: {reason}"), soft_wrap=True)
    if corpus.failures:
        raise SystemExit(1)


def _print_corpus(corpus: Any) -> None:
    table = Table(title="verdicts changed since the last analysis", title_justify="left")
    for col in ("session", "rule", "before", "after"):
        table.add_column(col, justify="right" if col in ("before", "after") else "left")
    for outcome in corpus.changed:
        for i, c in enumerate(outcome.changes):
            table.add_row(Text(outcome.session if i == 0 else ""), Text(c.rule), str(c.before), str(c.after))
    if corpus.changed:
        console.print(table)
    for outcome in corpus.outcomes:
        if outcome.identical is False:
            console.print(
                Text(f"{outcome.session}: findings differ from the previous run with the same ruleset "
                     f"({outcome.changed_findings} changed)"),
                style="bold red",
            )
    t = corpus.totals()
    total_changes = ", ".join(f"{c['rule']} {c['before']}->{c['after']}" for c in t["verdict_changes"]) or "none"
    console.print(
        Text(
            f"total: {t['sessions']} sessions, {t['analysed']} analysed, {t['failed']} failed, "
            f"{t['first_analysis']} analysed for the first time, {t['changed_sessions']} with changed verdicts "
            f"(by rule: {total_changes}) in {t['seconds']:.1f}s"
        )
    )


def replay(
    name: str = typer.Argument(None, help="Session to re-analyse (or --all)."),
    all_sessions: bool = typer.Option(False, "--all", help="Re-analyse every stored session (the regression corpus)."),
    app_filter: str = typer.Option(None, "--app", help="With --all: only sessions of this app package."),
    ruleset: str = typer.Option(None, "--ruleset", help="Ruleset version to analyse with (default: the newest)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Re-analyse stored sessions from their flows and events; show what changed."""
    if all_sessions and name:
        raise CliError("give a session name or --all, not both")
    if all_sessions:
        _replay_corpus(app_filter, ruleset, as_json)
        return
    if not name:
        raise CliError("give a session name, or --all for every stored session")
    if app_filter:
        raise CliError("--app only applies with --all")
    _replay_one(name, ruleset, as_json)


def _resolve_pair(store: Any, old: str | None, new: str | None, app: str | None, v_from: str | None,
                  v_to: str | None, consent: str | None) -> tuple[str, str]:
    from analyzer.replay import latest_session

    by_version = any(x is not None for x in (app, v_from, v_to))
    if old and new and not by_version:
        if consent is not None:
            raise CliError("--consent only applies with --app/--from/--to")
        return old, new
    if (old or new) and by_version:
        raise CliError("give OLD NEW session names or --app/--from/--to, not both")
    if not by_version:
        raise CliError("give OLD and NEW session names, or --app APP --from VERSION --to VERSION")
    if not (app and v_from is not None and v_to is not None):
        raise CliError("--app, --from and --to go together")
    return latest_session(store, app, v_from, consent), latest_session(store, app, v_to, consent)


def _print_diff(result: Any) -> None:
    diff = result.diff
    table = Table(
        title=f"consentry diff {result.old['session']} -> {result.new['session']}", title_justify="left"
    )
    for col in ("status", "rule", "pii", "destination", "sdk", "phase", "old", "new", "note"):
        table.add_column(col, justify="right" if col in ("old", "new") else "left")
    styles = {"new": "bold red", "fixed": "green", "moved": "yellow", "unchanged": "dim"}
    for e in diff.entries:
        k = e.key
        table.add_row(
            Text(e.status, style=styles[e.status]), Text(k.rule), Text(k.pii_type or "-"),
            Text(k.destination or "-"), Text(k.sdk or "-"), Text(k.phase), str(e.old_count), str(e.new_count),
            Text(e.note or ""),
        )
    if diff.entries:
        console.print(table)
    counts = diff.counts()
    console.print(
        f"new: {counts['new']}  fixed: {counts['fixed']}  moved: {counts['moved']}  unchanged: {counts['unchanged']}"
    )


def diff(
    old: str = typer.Argument(None, help="The baseline session."),
    new: str = typer.Argument(None, help="The session to compare with the baseline."),
    app: str = typer.Option(None, "--app", help="Compare the latest sessions of two versions of this app package."),
    v_from: str = typer.Option(None, "--from", help="With --app: the baseline app version."),
    v_to: str = typer.Option(None, "--to", help="With --app: the app version to compare."),
    consent: str = typer.Option(None, "--consent", help="With --app: only sessions recorded with this consent choice."),
    as_json: bool = typer.Option(False, "--json", help="Print the consentry.diff/1 JSON."),
    junit: Path = typer.Option(None, "--junit", help="Also write JUnit XML here (new findings are failures)."),
    fail_on: str = typer.Option("none", "--fail-on", help="Exit 1 on: new (any new finding), any (any finding in NEW), none. Findings triaged false positive or accepted risk do not count."),
    redact: bool = typer.Option(False, "--redact", help="Mask personal data values in the evidence."),
) -> None:
    """Findings new, fixed, moved and unchanged between two analysed sessions."""
    from analyzer.replay import diff_sessions, write_junit

    if fail_on not in FAIL_ON:
        raise CliError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if junit is not None and not junit.parent.is_dir():
        raise CliError(f"cannot write {junit}: directory {junit.parent} does not exist")
    store = open_store()
    try:
        old_name, new_name = _resolve_pair(store, old, new, app, v_from, v_to, consent)
        result = diff_sessions(store, old_name, new_name, redact=redact)
    except _replay_errors() as exc:
        raise CliError(str(exc)) from None
    if junit is not None:
        stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        try:
            write_junit(result.diff, junit, suite_name=f"consentry diff {old_name} -> {new_name}", timestamp=stamp)
        except OSError as exc:
            raise CliError(f"cannot write {junit}: {exc.strerror or exc}") from None
    if as_json:
        print_json(result.to_json())
    else:
        _print_diff(result)
    old_rs, new_rs = result.old["run"]["ruleset_version"], result.new["run"]["ruleset_version"]
    if old_rs != new_rs:
        err_console.print(
            Text(f"note: {old_name} was analysed with ruleset {old_rs}, {new_name} with {new_rs}; "
                 f"`consentry replay` both with one ruleset to compare like with like"),
            soft_wrap=True,
        )
    if result.diff.fails(fail_on):  # findings dismissed in triage never fail the gate
        raise SystemExit(1)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
    app.command("diff")(diff)
