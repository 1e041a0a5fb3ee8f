"""`consentry analyze|findings|rules|identifiers` through the CLI entry point (in-process, tests/inprocess.py)."""

from __future__ import annotations

import json

import pytest

from analyzer.store import open_store
from tests.analysis import corpus as c


@pytest.fixture
def db(sqlite_url):
    store = open_store(sqlite_url)
    c.preconsent_leak(store).commit()
    c.SessionBuilder(store, "empty").commit()
    return sqlite_url


def _one_line_error(proc, *fragments):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("consentry: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    for frag in fragments:
        assert frag in lines[0]


def test_analyze_and_findings(cli, db, tmp_path):
    proc = cli("analyze", "preconsent", db=db, env={"COLUMNS": "160"})
    assert proc.returncode == 0, proc.stderr
    assert "pre-consent-transmission" in proc.stdout and "violation" in proc.stdout
    out = cli("analyze", "preconsent", "--json", db=db)
    data = json.loads(out.stdout)
    assert data["verdicts"]["pre-consent-transmission"] == 2
    rules = {f["rule"] for f in data["findings"]}
    assert {"pre-consent-transmission", "pre-consent-api-call", "third-party-transmission"} <= rules
    listed = json.loads(cli("findings", "preconsent", "--json", "--rule", "pre-consent-transmission", db=db).stdout)
    assert sorted(f["pii_type"] for f in listed) == ["android_id", "imei"]
    assert [f["id"] for f in listed] == [f["id"] for f in data["findings"] if f["rule"] == "pre-consent-transmission"]
    post = json.loads(cli("findings", "preconsent", "--json", "--phase", "post_consent", db=db).stdout)
    assert post and all(f["phase"] == "post_consent" for f in post)
    table = cli("findings", "preconsent", "--sdk", "umeng", db=db, env={"COLUMNS": "200"})
    assert table.returncode == 0 and "ulogs.umeng.com" in table.stdout


def test_rules_config_and_ruleset_options(cli, db, tmp_path):
    cfg = tmp_path / "rules.json"
    cfg.write_text(json.dumps({"disabled_rules": ["third-party-transmission"]}))
    data = json.loads(cli("analyze", "preconsent", "--json", "--rules-config", str(cfg), db=db).stdout)
    assert "third-party-transmission" not in data["verdicts"]
    old = json.loads(cli("analyze", "preconsent", "--json", "--ruleset", "2026.06.1", db=db).stdout)
    assert old["ruleset"] == "2026.06.1"
    versions = json.loads(cli("rules", "--list", "--json", db=db).stdout)
    assert versions["default"] == "2026.11.1" and "2026.06.1" in versions["available"]
    cfg.write_text("{not json")
    _one_line_error(cli("analyze", "preconsent", "--rules-config", str(cfg), db=db), "not JSON")
    _one_line_error(cli("analyze", "preconsent", "--ruleset", "0.0.1", db=db), "unknown ruleset")


def test_first_party_option_is_saved(cli, db):
    proc = cli("analyze", "preconsent", "--json", "--first-party", "umeng.com", db=db)
    data = json.loads(proc.stdout)
    assert "third-party-transmission" in data["verdicts"] and data["verdicts"]["third-party-transmission"] == 0
    again = json.loads(cli("analyze", "preconsent", "--json", db=db).stdout)
    assert "umeng.com" in again["stats"]["first_party_domains"]
    _one_line_error(cli("analyze", "preconsent", "--first-party", "a b/c", db=db), "not a domain")


def test_identifiers_commands(cli, db, tmp_path):
    assert cli("identifiers", "add", "imei", c.IMEI, "--session", "empty", db=db).returncode == 0
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"android_id": c.ANDROID_ID, "imei": [c.IMEI, "356938035643817"], "location": [39.9087243, 116.3974965]}))
    proc = cli("identifiers", "import", str(profile), "--session", "empty", db=db)
    assert proc.returncode == 0 and "3 identifiers added, 1 already known" in proc.stdout
    rows = json.loads(cli("identifiers", "list", "empty", "--json", db=db).stdout)
    assert {(r["kind"], r["value"], r["source"]) for r in rows} == {
        ("imei", c.IMEI, "manual"), ("imei", "356938035643817", "profile"), ("android_id", c.ANDROID_ID, "profile"),
        ("location", "39.9087243,116.3974965", "profile")}
    _one_line_error(cli("identifiers", "add", "shoe_size", "42", "--session", "empty", db=db), "unknown identifier kind")
    profile.write_text(json.dumps({"imei": c.IMEI, "favourite_colour": "blue"}))
    _one_line_error(cli("identifiers", "import", str(profile), "--session", "empty", db=db), "favourite_colour")
    profile.write_bytes(b'{"imei": "\xff"}')
    _one_line_error(cli("identifiers", "import", str(profile), "--session", "empty", db=db), "not UTF-8")
    _one_line_error(cli("identifiers", "list", "nosuch", db=db), "nosuch")


def test_errors_are_one_line(cli, db):
    _one_line_error(cli("analyze", "nosuch", db=db), "no session named")
    _one_line_error(cli("findings", "preconsent", "--phase", "later", db=db), "--phase")
    _one_line_error(cli("findings", "preconsent", "--rule", "made-up", db=db), "unknown rule")
