"""`consentry sessions list|show`, `consentry mark`, `consentry schema`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import typer

from analyzer.cli.common import CliError, console, open_store, print_json
from analyzer.cli.common import table as cli_table
from analyzer.models.events import ConsentEvent, events_json_schema
from analyzer.store.types import utcnow

sessions_app = typer.Typer(help="List and inspect recorded sessions.", no_args_is_help=True)
schema_app = typer.Typer(help="Print the JSON Schemas of consentry's interchange formats.", no_args_is_help=True)
mark_app = typer.Typer(help="Record a manual mark in a session's timeline.", no_args_is_help=True)

CONSENT_ACTIONS = ("granted", "refused", "withdrawn", "shown")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


def session_overview(store, name: str) -> dict[str, Any]:
    """Everything `sessions show` prints, as JSON-ready data."""
    row = store.get_session(name)
    counts = store.counts(row.id)
    consent = [
        {
            "ts": _iso(stored.ts),
            "action": stored.event.action,
            "source": stored.event.source,
            "sdk": stored.event.sdk,
            "origin": stored.origin,
        }
        for stored in store.iter_events(row.id, types=["consent"])
        if isinstance(stored.event, ConsentEvent)
    ]
    run = store.current_run(row.id)
    return {
        "name": row.name,
        "id": str(row.id),
        "status": row.status,
        "status_detail": row.status_detail,
        "app": {"package": row.app.package, "version": row.app.version} if row.app else None,
        "device": {"kind": row.device.kind, "serial": row.device.serial, **(row.device.info or {})} if row.device else None,
        "consent_choice": row.consent_choice,
        "started_at": _iso(row.started_at),
        "ended_at": _iso(row.ended_at),
        "clock_offset_ms": row.clock_offset_ms,
        "clock_uncertainty_ms": row.clock_uncertainty_ms,
        **counts,
        "consent_timeline": consent,
        "analysis": None
        if run is None
        else {
            "run_id": str(run.id),
            "ruleset_version": run.ruleset_version,
            "finished_at": _iso(run.finished_at),
            "verdicts": run.verdicts,
        },
    }


@sessions_app.command("list")
def sessions_list(
    app: str = typer.Option(None, "--app", help="Only sessions of this app package."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List sessions with their app, status and counts."""
    store = open_store()
    rows = []
    for row in store.list_sessions(app=app):
        counts = store.counts(row.id)
        rows.append(
            {
                "name": row.name,
                "app": f"{row.app.package}@{row.app.version}" if row.app else None,
                "status": row.status,
                "consent_choice": row.consent_choice,
                "started_at": _iso(row.started_at),
                "flows": counts["flows"],
                "events": counts["events"],
            }
        )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no sessions yet: try `consentry demo` or `consentry import har FILE --session NAME`")
        return
    table = cli_table(None, ("session / app", "status", "consent", "started (UTC)", "flows", "events"),
                      numeric=("flows", "events"), whole=("status", "flows", "events"))
    for r in rows:
        started = (r["started_at"] or "-")[:16].replace("T", "\n")  # minutes are enough to tell runs apart
        table.add_row(f"{r['name']}\n  {r['app'] or '-'}", r["status"], r["consent_choice"] or "-", started,
                      str(r["flows"]), str(r["events"]))
    console.print(table)


@sessions_app.command("show")
def sessions_show(
    name: str = typer.Argument(..., help="Session name."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show one session: counts, clock offset and the consent timeline."""
    info = session_overview(open_store(), name)
    if as_json:
        print_json(info)
        return
    console.print(f"[bold]{info['name']}[/bold]  status={info['status']}" + (f" ({info['status_detail']})" if info["status_detail"] else ""))
    if info["app"]:
        console.print(f"app: {info['app']['package']} {info['app']['version']}")
    console.print(f"started {info['started_at']}  ended {info['ended_at'] or '-'}")
    console.print(
        f"clock offset {info['clock_offset_ms']:.1f} ms ± {info['clock_uncertainty_ms']:.1f} ms  "
        f"flows {info['flows']} (errors {info['flow_errors']})  events {info['events']}  identifiers {info['identifiers']}"
    )
    if info["events_by_type"]:
        console.print("events: " + ", ".join(f"{k}={v}" for k, v in info["events_by_type"].items()))
    table = cli_table("consent timeline", ("time (UTC)", "consent", "source", "sdk"), whole=("consent",))
    for c in info["consent_timeline"]:
        table.add_row(c["ts"], c["action"] or "?", c["source"] or "-", c["sdk"] or "-")
    console.print(table if info["consent_timeline"] else "consent timeline: (no consent events)")
    if info["analysis"]:
        a = info["analysis"]
        console.print(f"analysed with ruleset {a['ruleset_version']} at {a['finished_at']}")


@sessions_app.command("delete")
def sessions_delete(
    name: str = typer.Argument(..., help="Session name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a session with its flows, events, identifiers and analyses (bodies another
    session still uses stay)."""
    store = open_store()
    row = store.get_session(name)
    counts = store.counts(row.id)
    if not yes:
        import sys

        if not sys.stdin.isatty():
            raise CliError("refusing to delete without --yes when not on a terminal")
        typer.confirm(f"delete session {name} ({counts['flows']} flows, {counts['events']} events)?", abort=True)
    store.delete_session(name)
    console.print(f"deleted session {name} ({counts['flows']} flows, {counts['events']} events)")


def parse_time(text: str) -> dt.datetime:
    """ISO-8601 (naive means UTC), epoch ms, or relative `-5s` / `+2.5s` from now."""
    text = text.strip()
    try:
        if text[:1] in "+-" and text.endswith("s"):
            return utcnow() + dt.timedelta(seconds=float(text[:-1]))
        if text.replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text) / 1000.0, dt.timezone.utc)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"cannot read time {text!r}: use ISO-8601, epoch milliseconds or -5s") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


@mark_app.command("consent")
def mark_consent(
    action: str = typer.Argument(..., help="granted | refused | withdrawn | shown"),
    session: str = typer.Option(..., "--session", "-s", help="Session name (created if missing)."),
    at: str = typer.Option(None, "--at", help="When: ISO-8601 (UTC if no zone), epoch ms, or -5s. Default: now."),
    note: str = typer.Option(None, "--note", help="Free text kept with the mark."),
    force: bool = typer.Option(False, "--force", help="Record a mark outside the session or against its recorded consent events (reports flag it)."),
    by: str = typer.Option(None, "--by", help="Who makes the mark (audit trail; default: $CONSENTRY_USER or the login name)."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored mark as JSON."),
) -> None:
    """Mark a consent action by hand (the user tapped 同意 on a phone driven manually).

    Refused when outside the session's span or contradicting its recorded consent
    events, unless --force; every mark is audited (`consentry mark list`)."""
    from analyzer.store.marks import MarkRefused, add_consent_mark

    if action not in CONSENT_ACTIONS:
        raise CliError(f"consent action must be one of {', '.join(CONSENT_ACTIONS)}, not {action!r}")
    when = parse_time(at) if at else utcnow()
    store = open_store()
    store.ensure_session(session)
    try:
        # A manual mark is taken on the workstation clock, so no device offset applies.
        row = add_consent_mark(store, session, action, when, note=note, force=force, who=by)
    except MarkRefused as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json({"session": session, **row.as_dict()})
        return
    flag = f" (FORCED: {row.reason})" if row.forced else ""
    console.print(f"marked consent {action} at {when.isoformat(timespec='milliseconds')} in session {session} "
                  f"(mark {row.id[:8]}){flag}", markup=False, highlight=False)


@schema_app.command("events")
def schema_events() -> None:
    """JSON Schema of the session-event format (.jsonl interchange)."""
    print(json.dumps(events_json_schema(), indent=2, ensure_ascii=False))


@schema_app.command("report")
def schema_report() -> None:
    """JSON Schema of the report (`consentry report --format json`)."""
    from analyzer.models.report import report_json_schema

    print(json.dumps(report_json_schema(), indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(sessions_app, name="sessions")
    app.add_typer(mark_app, name="mark")
    app.add_typer(schema_app, name="schema")
