"""`consentry triage set|clear|list|suppress|suppressions|unsuppress|log` (docs/dashboard.md#triage)."""

from __future__ import annotations

import getpass
import os

import typer
from rich.table import Table
from rich.text import Text

from analyzer.cli.common import CliError, console, open_store, print_json

triage_app = typer.Typer(
    help="Review findings: confirmed / false positive / accepted risk; store-wide suppression rules.",
    no_args_is_help=True,
)

BY_HELP = "Reviewer name recorded in the audit log (default: $CONSENTRY_REVIEWER or the login name)."


def reviewer(by: str | None) -> str:
    name = by or os.environ.get("CONSENTRY_REVIEWER")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = ""
    if not name:
        raise CliError("say who reviews with --by NAME (or set CONSENTRY_REVIEWER)")
    return name


def _triage_errors():
    from analyzer.store import StoreError

    return StoreError


@triage_app.command("set")
def set_command(
    session: str = typer.Argument(..., help="Session name."),
    finding: str = typer.Argument(..., help="Finding id (or a unique prefix of at least 6 characters)."),
    state: str = typer.Argument(..., help="confirmed | false_positive | accepted_risk"),
    reason: str = typer.Option(..., "--reason", "-r", help="Why (shown in reports and the audit log)."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Mark a finding of a session's current analysis; the mark survives re-analysis."""
    from analyzer.triage import set_mark

    try:
        mark = set_mark(open_store(), session, finding, state, reason=reason, author=reviewer(by))
    except _triage_errors() as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(mark)
    else:
        console.print(Text(f"{mark['session']} {mark['finding']}: {mark['state']} ({mark['reason']}) by {mark['by']}"))


@triage_app.command("clear")
def clear_command(
    session: str = typer.Argument(..., help="Session name."),
    finding: str = typer.Argument(..., help="Finding id (or a unique prefix)."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Remove a finding's mark (audited)."""
    from analyzer.triage import clear_mark

    try:
        removed = clear_mark(open_store(), session, finding, author=reviewer(by))
    except _triage_errors() as exc:
        raise CliError(str(exc)) from None
    if not removed:
        raise CliError(f"finding {finding!r} of {session!r} has no triage mark")
    console.print(Text(f"{session} {finding}: mark removed"))


@triage_app.command("list")
def list_command(
    session: str = typer.Option(None, "--session", help="Only marks of this session."),
    state: str = typer.Option(None, "--state", help="Only marks in this state."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="At most this many marks."),
    after: int = typer.Option(None, "--after", help="Marks after this mark id (next page)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List triage marks (oldest first)."""
    from analyzer.triage import list_marks

    try:
        store = open_store()
        if session is not None:
            store.get_session(session)
        marks = list_marks(store, session_name=session, state=state, limit=limit, after_id=after)
    except _triage_errors() as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(marks)
        return
    table = Table(title="triage marks", title_justify="left")
    for col in ("id", "session", "finding", "state", "rule", "host", "reason", "by", "when"):
        table.add_column(col)
    for mk in marks:
        summary = mk["summary"] or {}
        table.add_row(str(mk["id"]), Text(mk["session"]), Text(mk["finding"][:12]), Text(mk["state"]),
                      Text(summary.get("rule") or "-"), Text(summary.get("host") or "-"), Text(mk["reason"]),
                      Text(mk["by"]), mk["updated_at"][:19])
    console.print(table)


@triage_app.command("suppress")
def suppress_command(
    app: str = typer.Option(None, "--app", help="Only findings of this app package (every version)."),
    host: str = typer.Option(None, "--host", help="Destination host (its subdomains too)."),
    rule: str = typer.Option(None, "--rule", help="Rule id."),
    pii_type: str = typer.Option(None, "--pii", help="Personal-data type (imei, android_id, ...)."),
    sdk: str = typer.Option(None, "--sdk", help="Attributed SDK id."),
    first_party: bool = typer.Option(False, "--first-party", help="HOST is first party for APP: dismiss its third-party findings."),
    state: str = typer.Option("false_positive", "--state", help="State given to matching findings."),
    reason: str = typer.Option(..., "--reason", "-r", help="Why."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Add a store-wide suppression rule (findings matching every given field get STATE)."""
    from analyzer.triage import add_suppression

    if first_party:
        if not (app and host) or rule:
            raise CliError("--first-party needs --app and --host (and sets the rule itself)")
        rule = "third-party-transmission"
        reason = f"{host} is first party for {app}: {reason}"
    try:
        row = add_suppression(open_store(), state=state, reason=reason, author=reviewer(by), app=app, host=host,
                              rule=rule, pii_type=pii_type, sdk=sdk)
    except _triage_errors() as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(row)
    else:
        console.print(Text(f"suppression rule {row['id']} added: {_describe(row)}"))


def _describe(row: dict) -> str:
    parts = [f"{k}={row[k]}" for k in ("app", "host", "rule", "pii_type", "sdk") if row.get(k)]
    return f"{' '.join(parts)} -> {row['state']} ({row['reason']}) by {row['by']}"


@triage_app.command("suppressions")
def suppressions_command(
    include_inactive: bool = typer.Option(False, "--all", help="Also rules that were removed."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List suppression rules with who made them."""
    from analyzer.triage import list_suppressions

    rows = list_suppressions(open_store(), include_inactive=include_inactive)
    if as_json:
        print_json(rows)
        return
    table = Table(title="suppression rules", title_justify="left")
    for col in ("id", "app", "host", "rule", "pii", "sdk", "state", "reason", "by", "created", "active"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), *(Text(r[k] or "-") for k in ("app", "host", "rule", "pii_type", "sdk", "state", "reason", "by")),
                      r["created_at"][:19], "yes" if r["active"] else "no")
    console.print(table)


@triage_app.command("unsuppress")
def unsuppress_command(
    rule_id: int = typer.Argument(..., help="Suppression rule id (see `consentry triage suppressions`)."),
    by: str = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Deactivate a suppression rule (kept, audited)."""
    from analyzer.triage import remove_suppression

    try:
        remove_suppression(open_store(), rule_id, author=reviewer(by))
    except _triage_errors() as exc:
        raise CliError(str(exc)) from None
    console.print(f"suppression rule {rule_id} removed")


@triage_app.command("log")
def log_command(
    session: str = typer.Option(None, "--session", help="Only changes to this session's marks."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="At most this many entries."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The triage audit log, newest first: who changed what, when."""
    from analyzer.triage import audit_log

    rows = audit_log(open_store(), session_name=session, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table(title="triage audit log", title_justify="left")
    for col in ("when", "by", "action", "session", "finding / rule", "before", "after"):
        table.add_column(col)
    for r in rows:
        target = r["finding"][:12] if r["finding"] else f"rule {r['suppression_id']}"
        table.add_row(r["at"][:19], Text(r["by"]), r["action"], Text(r["session"] or "-"), Text(target),
                      Text(_state_of(r["before"])), Text(_state_of(r["after"])))
    console.print(table)


def _state_of(value: dict | None) -> str:
    if not value:
        return "-"
    return f"{value.get('state')}{'' if value.get('active', True) else ' (inactive)'}"


def register(app: typer.Typer) -> None:
    app.add_typer(triage_app, name="triage")
