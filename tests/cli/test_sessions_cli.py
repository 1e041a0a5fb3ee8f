"""`consentry sessions`, `mark`, `schema` and the CLI's error contract, through the CLI entry point (in-process, tests/inprocess.py)."""

from __future__ import annotations

import json

import pytest


def test_mark_then_show_consent_timeline(cli):
    assert cli("mark", "consent", "shown", "--session", "manual1", "--at", "2026-05-01T12:00:00Z").returncode == 0
    r = cli("mark", "consent", "granted", "--session", "manual1", "--at", "2026-05-01T12:00:06.5Z", "--note", "tapped 同意")
    assert r.returncode == 0, r.stderr
    show = cli("sessions", "show", "manual1", "--json")
    info = json.loads(show.stdout)
    assert [c["action"] for c in info["consent_timeline"]] == ["shown", "granted"]
    assert info["consent_timeline"][1]["ts"].startswith("2026-05-01T12:00:06.500")
    assert info["events"] == 2 and info["flows"] == 0
    listed = json.loads(cli("sessions", "list", "--json").stdout)
    assert [s["name"] for s in listed] == ["manual1"] and listed[0]["events"] == 2
    human = cli("sessions", "show", "manual1")
    assert "granted" in human.stdout and "consent timeline" in human.stdout


def test_mark_works_on_postgresql(cli, pg_database_url):
    assert cli("mark", "consent", "refused", "--session", "pg1", db=pg_database_url).returncode == 0
    info = json.loads(cli("sessions", "show", "pg1", "--json", db=pg_database_url).stdout)
    assert info["consent_timeline"][0]["action"] == "refused"


@pytest.mark.parametrize(
    "args, message",
    [
        (("sessions", "show", "nope"), "no session named 'nope'"),
        (("mark", "consent", "maybe", "--session", "x"), "consent action must be one of"),
        (("mark", "consent", "granted", "--session", "x", "--at", "yesterday-ish"), "cannot read time"),
        (("mark", "consent", "granted", "--session", "a/b"), "invalid session name"),
    ],
)
def test_errors_are_one_line_without_traceback(cli, args, message):
    r = cli(*args)
    assert r.returncode != 0
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_db_url_is_one_line(cli):
    r = cli("sessions", "list", db="mysql://nowhere/x")
    assert r.returncode == 2 and "unsupported database" in r.stderr and "Traceback" not in r.stderr


def test_schema_events_is_a_json_schema_covering_every_type(cli):
    schema = json.loads(cli("schema", "events").stdout)
    names = set(schema["$defs"])
    assert {"ConsentEvent", "IdentifierEvent", "ApiCallEvent", "CryptoEvent", "LifecycleEvent", "UiEvent"} <= names
    assert schema["discriminator"]["propertyName"] == "type"


def test_schema_report_names_the_contract(cli):
    schema = json.loads(cli("schema", "report").stdout)
    assert schema["$id"] == "consentry.report/2"
    assert {"id", "rule", "phase", "pii_type", "confidence"} <= set(schema["$defs"]["Finding"]["properties"])


def test_sessions_delete_needs_yes_off_a_terminal(cli):
    assert cli("mark", "consent", "granted", "--session", "gone").returncode == 0
    refused = cli("sessions", "delete", "gone")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert cli("sessions", "show", "gone").returncode == 0
    deleted = cli("sessions", "delete", "gone", "--yes")
    assert deleted.returncode == 0 and "deleted session gone (0 flows, 1 events)" in deleted.stdout
    assert cli("sessions", "show", "gone").returncode == 2
