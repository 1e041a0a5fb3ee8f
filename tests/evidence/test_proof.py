"""Proof beside each finding: request proof, GeoIP country, ciphertext + crypto call, the
app's own code named, consent dialog text on the timeline, a one-sentence summary."""

from __future__ import annotations

import base64
import json

from analyzer.store import open_store
from tests.analysis import corpus as c
from tests.evidence.mmdb import write_country_mmdb


def test_server_address_and_country_from_a_geoip_database(sqlite_url, run, tmp_path):
    b = c.SessionBuilder(open_store(sqlite_url), "geo")
    b.event({"type": "identifier", "ts": c.T0, "kind": "android_id", "value": c.ANDROID_ID, "source": "canary"})
    b.flow(100, "GET", f"https://ulogs.umeng.com/a?aid={c.ANDROID_ID}", server_addr="203.0.113.7:443")
    b.flow(200, "GET", f"https://api.other.example/b?aid={c.ANDROID_ID}", server_addr="192.0.2.1:443")
    b.commit()
    mmdb = write_country_mmdb(tmp_path / "country.mmdb", "203.0.113.0/24", "CN")
    doc = json.loads(run("report", "geo", "--format", "json", "--geoip", str(mmdb)).stdout)
    proofs = {p["host"]: p for p in doc["requests"]}
    assert proofs["ulogs.umeng.com"]["server_ip"] == "203.0.113.7" and proofs["ulogs.umeng.com"]["country"] == "CN"
    assert proofs["ulogs.umeng.com"]["server_port"] == 443
    assert proofs["api.other.example"]["country"] is None
    via_env = run("report", "geo", "--format", "html", env={"CONSENTRY_GEOIP_DB": str(mmdb)}).stdout
    assert '<span class="country">CN</span>' in via_env and '<code class="server-ip">203.0.113.7</code>' in via_env
    bad = run("report", "geo", "--format", "json", "--geoip", str(tmp_path / "missing.mmdb"))
    assert bad.exit_code == 2 and "--geoip" in bad.stderr
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a database")
    broken = run("report", "geo", "--format", "json", "--geoip", str(junk))
    assert broken.exit_code == 2 and "cannot read GeoIP database" in broken.stderr and "Traceback" not in broken.stderr


def test_decrypted_payload_shows_ciphertext_and_the_cipher_call(sqlite_url, run):
    c.encrypted_payload(open_store(sqlite_url)).commit()
    doc = json.loads(run("report", "encrypted", "--format", "json").stdout)
    enc = [f for f in doc["findings"] if f["flow"] and f["pii_type"] == "imei"]
    assert enc, [f["pii_type"] for f in doc["findings"]]
    crypto = enc[0]["evidence"]["crypto"]
    plain = json.dumps({"imei": c.IMEI, "oaid": c.OAID}).encode()
    import hashlib

    cipher = hashlib.sha256(plain).digest() + hashlib.sha256(plain[::-1]).digest()
    assert crypto["ciphertext_b64"] == base64.b64encode(cipher).decode()
    assert crypto["algorithm"] == "AES/CBC/PKCS5Padding" and c.IMEI in crypto["plaintext"]
    assert any("Cipher.doFinal" in frame for frame in crypto["stack"]) and crypto["sdk"] == "pangle"
    html = run("report", "encrypted", "--format", "html").stdout
    assert 'class="excerpt ciphertext"' in html and base64.b64encode(cipher).decode() in html


def test_app_code_is_named_and_consent_text_is_on_the_timeline(sqlite_url, run):
    b = c.SessionBuilder(open_store(sqlite_url), "own", consent_choice="accept")
    b.call(100, c.API_AID, "android_id", c.ANDROID_ID, c.APP_STACK)
    b.event({"type": "consent", "ts": c.T0 + 500, "action": "shown", "source": "hook", "text": "隐私政策：我们将收集设备信息以提供服务"})
    b.consent(900, "granted", text="同意")
    b.commit()
    doc = json.loads(run("report", "own", "--format", "json").stdout)
    call = [f for f in doc["findings"] if not f["flow"]][0]
    assert call["sdk"] is None and call["evidence"]["sdk_basis"] == "app_code"
    assert doc["api_calls"][0]["sdk"] == "app"
    html = run("report", "own", "--format", "html").stdout
    assert 'data-sdk="app"' in html and 'data-sdk="unknown"' not in html
    assert '<q class="consent-text">隐私政策：我们将收集设备信息以提供服务</q>' in html
    zh = run("report", "own", "--format", "html", "--lang", "zh").stdout
    assert "同意界面文字" in zh and "同意方案“同意”：违反 1 条规则——征得用户同意前调用敏感API收集个人信息" in zh
