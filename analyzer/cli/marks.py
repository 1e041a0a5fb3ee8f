"""`consentry mark list|delete`: the manual consent marks of a session and their audit trail."""

from __future__ import annotations

import typer

from analyzer.cli.common import CliError, console, open_store, print_json, short_ids, table


def _session(store, name: str):
    from analyzer.store import SessionNotFound

    try:
        return store.get_session(name)
    except SessionNotFound as exc:
        raise CliError(str(exc)) from None


def mark_list(
    session: str = typer.Option(..., "--session", "-s", help="Session name."),
    as_json: bool = typer.Option(False, "--json", help="Marks and audit trail as JSON."),
) -> None:
    """List a session's manual marks (ids shortened to a unique prefix) and every change to them."""
    from analyzer.store.marks import audit_trail, list_marks

    store = open_store()
    row = _session(store, session)
    marks = list_marks(store, row.id)
    audit = audit_trail(store, row.id)
    if as_json:
        print_json({"session": session, "marks": [mk.as_dict() for mk in marks], "audit": audit})
        return
    ids = short_ids([mk.id for mk in marks] + [a["mark_id"] for a in audit])
    out = table(f"{session}: {len(marks)} manual marks", ("id", "time (UTC)", "action", "forced", "note"))
    for mk in marks:
        out.add_row(ids[mk.id], mk.ts.isoformat(timespec="milliseconds"), mk.action,
                    f"yes: {mk.reason}" if mk.forced else "no", mk.note or "")
    console.print(out)
    trail = table("audit trail", ("when (UTC)", "who", "change", "mark", "action at"))
    for a in audit:
        trail.add_row(a["at"], a["who"], a["change"], ids[a["mark_id"]], f"{a['action']} {a['ts'] or ''}")
    console.print(trail)


def mark_delete(
    mark_id: str = typer.Argument(..., help="Mark id or a unique prefix of it (see `consentry mark list`)."),
    session: str = typer.Option(..., "--session", "-s", help="Session name."),
    by: str = typer.Option(None, "--by", help="Who deletes it (audit trail)."),
    as_json: bool = typer.Option(False, "--json", help="Print the deleted mark as JSON."),
) -> None:
    """Delete a manual mark; the audit trail keeps what it was, who deleted it and when.
    Run `consentry analyze` again for the verdicts to follow."""
    from analyzer.store import StoreError
    from analyzer.store.marks import delete_mark, list_marks, resolve_mark

    store = open_store()
    row = _session(store, session)
    try:
        mark = resolve_mark(list_marks(store, row.id), mark_id)
        delete_mark(store, row.id, mark.id, who=by)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json({"session": session, "deleted": mark.as_dict()})
        return
    console.print(f"deleted mark {mark.id[:8]} ({mark.action} at {mark.ts.isoformat(timespec='milliseconds')}) "
                  f"from session {session}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    from analyzer.cli.sessions import mark_app

    mark_app.command("list")(mark_list)
    mark_app.command("delete")(mark_delete)
