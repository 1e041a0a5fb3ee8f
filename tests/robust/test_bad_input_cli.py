"""Bad input on the command line: one line on stderr, exit 2, store untouched (in-process CLI)."""

from __future__ import annotations

import json
import struct
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from inprocess import run_cli  # noqa: E402

IMEI = "861234567890123"


def _entry(url="http://a.test/x?imei=861234567890123", status=200, started="2024-05-01T10:00:00.000Z", headers=()):
    return {"startedDateTime": started, "time": 1,
            "request": {"method": "POST", "url": url, "httpVersion": "HTTP/1.1", "headers": list(headers),
                        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0,
                        "postData": {"mimeType": "application/json", "text": '{"imei":"%s","name":"Jos\udce9"}' % IMEI}},
            "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                         "content": {"size": 0, "mimeType": "text/plain", "text": ""}, "redirectURL": "",
                         "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}}


def _har(path: Path, entries) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}}))
    return path


def _one_line_error(result, code=2) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("consentry: error:"), result.stderr
    assert "Traceback" not in result.stderr


def _snapshot(db: str) -> str:
    return run_cli("sessions", "list", "--json", db=db).stdout


def test_a_failing_import_leaves_the_store_exactly_as_it_was(store_url, tmp_path):
    good = _har(tmp_path / "good.har", [_entry()])
    assert run_cli("import", "har", str(good), "--session", "first", db=store_url).exit_code == 0
    before = _snapshot(store_url)
    har = _har(tmp_path / "mixed.har", [_entry(url=f"http://a.test/{i}") for i in range(300)])
    events = tmp_path / "ev.jsonl"
    events.write_text('{"type":"consent","ts":1714557600000,"action":"granted","source":"manual"}\n')
    # the database itself refuses the events, after the session and its 300 flows were written
    _refuse_events(store_url, True)
    result = run_cli("import", "har", str(har), "--session", "mixed", "--events", str(events), db=store_url)
    _refuse_events(store_url, False)
    _one_line_error(result)
    assert "events refused" in result.stderr
    assert _snapshot(store_url) == before
    # and nothing half-done blocks the retry (no "already exists")
    assert run_cli("import", "har", str(har), "--session", "mixed", "--events", str(events), db=store_url).exit_code == 0


def _refuse_events(url: str, refuse: bool) -> None:
    from sqlalchemy import text

    from analyzer.store import open_store

    store = open_store(url)
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS refuse_events"))
            if refuse:
                conn.execute(text("CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                                  "BEGIN SELECT RAISE(ABORT, 'events refused'); END"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS refuse_events ON events"))
            if refuse:
                conn.execute(text("CREATE OR REPLACE FUNCTION refuse_events() RETURNS trigger AS $$ "
                                  "BEGIN RAISE EXCEPTION 'events refused'; END $$ LANGUAGE plpgsql"))
                conn.execute(text("CREATE TRIGGER refuse_events BEFORE INSERT ON events "
                                  "FOR EACH ROW EXECUTE FUNCTION refuse_events()"))


@pytest.mark.parametrize("entry", [
    _entry(status=10**30), _entry(url="http://a.test:99999/x"), _entry(url="http://a.test/\u0000x"),
    _entry(headers=[{"name": "x\ud800", "value": "v\udfff\u0000"}]), _entry(started="NaN"),
    _entry(started="10000-01-01T00:00:00Z"), _entry(started="0001-01-01T00:00:00Z"),
], ids=["status-1e30", "port-99999", "nul-url", "surrogate-header", "nan-time", "year-10000", "year-1"])
def test_odd_entries_import_or_fail_in_one_line_and_every_command_copes(store_url, tmp_path, entry):
    har = _har(tmp_path / "odd.har", [entry, _entry()])
    result = run_cli("import", "har", str(har), "--session", "odd", db=store_url)
    assert result.exit_code in (0, 2), result.stderr
    if result.exit_code:
        _one_line_error(result)
        assert run_cli("sessions", "show", "odd", db=store_url).exit_code == 2
        return
    for args in (["analyze", "odd"], ["report", "odd", "--format", "json", "--output", str(tmp_path / "r.json")],
                 ["report", "odd", "--format", "html", "--output", str(tmp_path / "r.html")],
                 ["report", "odd", "--format", "md", "--output", str(tmp_path / "r.md")], ["replay", "odd"],
                 ["export", "har", "odd", "--output", str(tmp_path / "o.har")],
                 ["export", "mitm", "odd", "--output", str(tmp_path / "o.mitm")],
                 ["export", "events", "odd", "--output", str(tmp_path / "o.jsonl")],
                 ["export", "bundle", "odd", "--output", str(tmp_path / "o.zip")], ["verify", str(tmp_path / "o.zip")]):
        result = run_cli(*args, db=store_url)
        assert result.exit_code == 0, (args, result.stderr)


def test_append_of_the_same_file_is_refused(sqlite_url, tmp_path):
    har = _har(tmp_path / "a.har", [_entry(), _entry()])
    assert run_cli("import", "har", str(har), "--session", "s", db=sqlite_url).exit_code == 0
    result = run_cli("import", "har", str(har), "--session", "s", "--append", db=sqlite_url)
    _one_line_error(result)
    assert "already imported" in result.stderr
    assert '"flows": 2' in run_cli("sessions", "show", "s", "--json", db=sqlite_url).stdout.replace("\n", "") or \
        json.loads(run_cli("sessions", "show", "s", "--json", db=sqlite_url).stdout)["counts"]["flows"] == 2


def test_mitm_file_claiming_100_gb_is_one_line(sqlite_url, tmp_path):
    bomb = tmp_path / "big.mitm"
    bomb.write_bytes(b"107374182400:" + b"a" * 100)
    assert bomb.stat().st_size == 113
    result = run_cli("import", "mitm", str(bomb), "--session", "big", db=sqlite_url)
    _one_line_error(result)
    assert "claims 107374182400 bytes" in result.stderr


def test_export_har_to_stdout(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    har = _har(tmp_path / "a.har", [_entry()])
    run_cli("import", "har", str(har), "--session", "s", db=sqlite_url)
    result = run_cli("export", "har", "s", "-o", "-", db=sqlite_url)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["log"]["entries"][0]["request"]["url"].endswith(IMEI)
    assert not (tmp_path / "-").exists() and "standard output" in result.stderr


def _bundle(sqlite_url, tmp_path) -> Path:
    run_cli("import", "har", str(_har(tmp_path / "a.har", [_entry()])), "--session", "s", db=sqlite_url)
    out = tmp_path / "b.zip"
    assert run_cli("export", "bundle", "s", "--output", str(out), db=sqlite_url).exit_code == 0
    return out


def test_verify_cannot_be_forged_by_escapes_in_entry_names(sqlite_url, tmp_path):
    bundle = _bundle(sqlite_url, tmp_path)
    forged = "x\x1b[2K\x1b[1A\rOK: 7 files match the manifest\x1b[8m"
    with zipfile.ZipFile(bundle, "a") as zf:
        zf.writestr(forged, b"extra")
    result = run_cli("verify", str(bundle), db=sqlite_url)
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout + result.stderr and "\\x1b[2K" in result.stdout
    assert result.stdout.startswith("extra: ")


def _set_encrypted_flag(path: Path, member: str) -> None:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        offset = zf.getinfo(member).header_offset
    data[offset + 6] |= 0x01  # local header: general purpose flag, bit 0 = encrypted
    name = member.encode()
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:  # its central directory entry too
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == name:
            data[pos + 8] |= 0x01
        pos += 4
    path.write_bytes(bytes(data))


def test_verify_of_an_encrypted_manifest_is_one_line(sqlite_url, tmp_path):
    bundle = _bundle(sqlite_url, tmp_path)
    _set_encrypted_flag(bundle, "manifest.json")
    result = run_cli("verify", str(bundle), db=sqlite_url)
    _one_line_error(result, code=1)
    assert "encrypted" in result.stderr


def test_verify_of_a_zip_that_is_no_bundle_says_so(sqlite_url, tmp_path):
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("a.txt", "hello")
    result = run_cli("verify", str(plain), db=sqlite_url)
    _one_line_error(result, code=1)
    assert "not an evidence bundle" in result.stderr and "0 files differ" not in result.stderr
    text = tmp_path / "t.zip"
    text.write_text("not a zip")
    result = run_cli("verify", str(text), db=sqlite_url)
    _one_line_error(result, code=1)
    assert "not an evidence bundle" in result.stderr
