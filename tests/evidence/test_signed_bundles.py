"""Signed, time-stamped evidence bundles: verify names what failed (tampered file, wrong
key, bad timestamp: non-zero exit, one line each); --lang and --redact; escaped output."""

from __future__ import annotations

import json
import zipfile

import pytest

from analyzer.store import open_store
from tests.evidence.test_finding_model import three_posts
from tests.evidence.tsa import LocalTsa, make_pki


@pytest.fixture
def lab(sqlite_url, run, tmp_path):
    three_posts(open_store(sqlite_url)).commit()
    keys = tmp_path / "keys"
    env = {"CONSENTRY_KEY_DIR": str(keys)}
    created = run("keys", "init", "--json", env=env)
    assert created.exit_code == 0, created.stderr
    info = json.loads(created.stdout)
    assert (keys / "lab_ed25519.pem").stat().st_mode & 0o777 == 0o600
    again = run("keys", "init", env=env)
    assert again.exit_code == 2 and "already exists" in again.stderr
    return env, info


def rewrite(bundle, name: str, data: bytes, out):
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, data if item.filename == name else src.read(item.filename))
    return out


def test_signed_and_time_stamped_bundle_verifies_and_names_each_failure(lab, run, tmp_path):
    env, info = lab
    pki = make_pki()
    ca = tmp_path / "tsa-ca.pem"
    ca.write_bytes(pki.ca_pem())
    bundle = tmp_path / "three.zip"
    with LocalTsa(pki) as tsa:
        made = run("export", "bundle", "three", "--output", str(bundle), "--tsa", tsa.url, "--json", env=env)
    assert made.exit_code == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["signed"] and manifest["timestamped"]
    with zipfile.ZipFile(bundle) as zf:
        assert {"manifest.sig", "manifest.tsr", "report.json", "flows.har"} <= set(zf.namelist())
    ok = run("verify", str(bundle), "--tsa-ca", str(ca), env=env)
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    assert "signature: valid, by the trusted key" in ok.stdout and "timestamp: valid" in ok.stdout

    # a tampered file
    tampered = rewrite(bundle, "flows.har", b'{"log": {}}', tmp_path / "tampered.zip")
    bad = run("verify", str(tampered), "--tsa-ca", str(ca), env=env)
    assert bad.exit_code == 1 and "changed: flows.har" in bad.stdout
    assert "failed verification" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1

    # a manifest changed to match the tampered file: the signature and the timestamp break
    with zipfile.ZipFile(bundle) as zf:
        doc = json.loads(zf.read("manifest.json"))
    doc["created_at"] = "2020-01-01T00:00:00+00:00"
    from analyzer.exporters.bundle import canonical_hash

    doc["manifest_sha256"] = canonical_hash(doc)
    forged = rewrite(bundle, "manifest.json", json.dumps(doc, indent=2).encode(), tmp_path / "forged.zip")
    bad = run("verify", str(forged), "--tsa-ca", str(ca), env=env)
    assert bad.exit_code == 1
    assert "signature: INVALID" in bad.stdout and "timestamp: BAD: it time-stamps another document" in bad.stdout

    # the wrong key: the bundle checked against another lab's public key
    other = run("keys", "init", "--dir", str(tmp_path / "other"), env=env)
    assert other.exit_code == 0
    bad = run("verify", str(bundle), "--key", str(tmp_path / "other" / "lab_ed25519.pub.pem"), env=env)
    assert bad.exit_code == 1 and "signature: WRONG KEY" in bad.stdout

    # a bad timestamp: a token for another document, and a TSA not issued by the trusted CA
    with LocalTsa(pki, tamper_imprint=True) as lying:
        refused = run("export", "bundle", "three", "--output", str(tmp_path / "x.zip"), "--tsa", lying.url, env=env)
    assert refused.exit_code == 2 and "time-stamps another document" in refused.stderr
    stranger = make_pki("another TSA")
    with LocalTsa(stranger) as foreign:
        other_bundle = tmp_path / "foreign.zip"
        assert run("export", "bundle", "three", "--output", str(other_bundle), "--tsa", foreign.url, env=env).exit_code == 0
    bad = run("verify", str(other_bundle), "--tsa-ca", str(ca), env=env)
    assert bad.exit_code == 1 and "not issued by the trusted TSA CA" in bad.stdout
    garbage = rewrite(bundle, "manifest.tsr", b"\x30\x03\x02\x01\x00", tmp_path / "garbage.zip")
    bad = run("verify", str(garbage), "--tsa-ca", str(ca), env=env)
    assert bad.exit_code == 1 and "timestamp: BAD" in bad.stdout


def test_lang_and_redact_bundles(lab, run, tmp_path):
    env, _ = lab
    bundle = tmp_path / "shared.zip"
    made = run("export", "bundle", "three", "--output", str(bundle), "--lang", "zh", "--redact", "--json", env=env)
    assert made.exit_code == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["redacted"] and manifest["lang"] == "zh" and "flows.har" in manifest["omitted"]
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        html = zf.read("report.html").decode()
        report = zf.read("report.json").decode()
    assert "flows.har" not in names and "identifiers.json" not in names
    assert 'lang="zh-CN"' in html and "同意前" in html
    from tests.analysis import corpus as c

    assert c.IMEI not in html and c.IMEI not in report and c.ANDROID_ID not in report
    assert run("verify", str(bundle), env=env).exit_code == 0
    bad_lang = run("export", "bundle", "three", "--output", str(tmp_path / "y.zip"), "--lang", "fr", env=env)
    assert bad_lang.exit_code == 2


def test_verify_escapes_terminal_sequences_from_bundle_names(lab, run, tmp_path):
    env, _ = lab
    bundle = tmp_path / "b.zip"
    assert run("export", "bundle", "three", "--output", str(bundle), env=env).exit_code == 0
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        dst.writestr("\x1b]0;owned\x07\x1b[2Jx.txt", b"hi")
    result = run("verify", str(evil), env=env)
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\\x1b]0;owned" in result.stdout
