"""`consentry report`: formats, per-app selection, redaction, one-line errors."""

from __future__ import annotations

import json

import pytest
from report_factory import IMEI, make_report

import analyzer.cli.report as report_cli
from analyzer.cli import main
from analyzer.store import open_store


@pytest.fixture
def lab_store(sqlite_url):
    """A real store holding sessions of one app (older and newer runs of some choices)."""
    store = open_store(sqlite_url)
    for name, choice in [("old-accept", "accept"), ("leaky-refuse", "refuse"), ("leaky-none", "none"),
                         ("leaky-accept", "accept")]:
        store.create_session(name, app=("com.labshop.leaky", "1.0.0"), consent_choice=choice, status="finished")
    store.create_session("other-app", app=("com.example.other", "2.0"), consent_choice="accept", status="finished")
    return sqlite_url


@pytest.fixture
def built(monkeypatch):
    """Stand-in for analysis (analyzer.report.build, another module) returning factory reports."""
    calls: list[str] = []

    def build_report(store, name):
        calls.append(name)
        row = store.get_session(name)
        return make_report(8, choice=row.consent_choice, session_name=name)

    monkeypatch.setattr(report_cli, "load_builder", lambda: build_report)
    return calls


def run(argv, capsys):
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("fmt", ["html", "json", "md"])
def test_writes_each_format(lab_store, built, tmp_path, capsys, fmt):
    target = tmp_path / f"r.{fmt}"
    code, _, err = run(["--db", lab_store, "report", "leaky-refuse", "--format", fmt, "--output", str(target)], capsys)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert built == ["leaky-refuse"]
    if fmt == "json":
        assert json.loads(text)["session"]["name"] == "leaky-refuse"
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and 'data-consent-choice="refuse"' in text
    else:
        assert text.startswith("# ")
    assert "wrote" in err and not list(tmp_path.glob(".r.*.tmp"))


def test_per_app_picks_latest_session_per_choice(lab_store, built, tmp_path, capsys):
    target = tmp_path / "app.html"
    code, _, err = run(["--db", lab_store, "report", "--app", "com.labshop.leaky", "--output", str(target),
                        "--lang", "zh"], capsys)
    assert code == 0, err
    assert built == ["leaky-accept", "leaky-refuse", "leaky-none"]
    html = target.read_text(encoding="utf-8")
    assert html.count('class="session-report"') == 3 and "应用同意合规报告" in html


def test_redact_to_stdout(lab_store, built, capsys):
    code, out, err = run(["--db", lab_store, "report", "leaky-accept", "--format", "json", "--redact"], capsys)
    assert code == 0, err
    assert IMEI not in out and "3569********809" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "nosuch", "--format", "json"], "unknown session 'nosuch'"),
        (["report", "--app", "com.nobody", "--format", "json"], "no recorded sessions of app 'com.nobody'"),
        (["report", "leaky-none", "--format", "docx"], "unknown format 'docx'"),
        (["report", "leaky-none", "--lang", "fr"], "unknown language 'fr'"),
        (["report", "--format", "md"], "give either a session NAME or --app PACKAGE"),
        (["report", "leaky-none", "--output", "/nonexistent-dir/r.html"], "directory /nonexistent-dir does not exist"),
    ],
)
def test_errors_are_one_line(lab_store, cli, args, message):
    proc = cli(*args, db=lab_store, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"consentry: error: {proc.stderr.strip().split('error: ', 1)[1]}"
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_output_that_is_a_directory(lab_store, built, tmp_path, capsys):
    code, _, err = run(["--db", lab_store, "report", "leaky-none", "--output", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err and not built


def test_existing_report_survives_a_failed_write(lab_store, built, tmp_path, capsys, monkeypatch):
    target = tmp_path / "keep.html"
    target.write_text("previous evidence", encoding="utf-8")

    def boom(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_cli.os, "replace", boom)
    code, _, err = run(["--db", lab_store, "report", "leaky-none", "--output", str(target)], capsys)
    assert code == 2 and "No space left on device" in err
    assert target.read_text(encoding="utf-8") == "previous evidence"
    assert not list(tmp_path.glob(".keep.html.*"))


def test_real_builder(lab_store, tmp_path, capsys):
    target = tmp_path / "real.json"
    code, _, err = run(["--db", lab_store, "report", "leaky-none", "--format", "json", "--output", str(target)], capsys)
    assert code == 0, err
    assert json.loads(target.read_text(encoding="utf-8"))["session"]["name"] == "leaky-none"
