"""Unpinning that does not switch certificate checks off: each kind of check an app meets
(its own X509TrustManager, conscrypt's platform trust manager in its void and List forms,
an obfuscated OkHttp pinner) is given a chain issued by the proxy's CA and one issued by a
second CA nobody trusts. With the hooks, the proxy's chain passes every check, returning
what the caller expects (a List where one is required); the other chain is still rejected.
The network security config's declared pin set reads empty.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from analyzer.hooks import HookSession
from analyzer.lab.build import tool
from hooks_testlib import launch_gated

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "pinning"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return key, cert


def _leaf(ca_key, ca_cert, host: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False).sign(ca_key, hashes.SHA256()))


def _pem(*certs: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


@pytest.fixture(scope="module")
def pinning_app(tmp_path_factory):
    out = tmp_path_factory.mktemp("pinning")
    subprocess.run([tool("javac"), "--release", "11", "-encoding", "UTF-8", "-nowarn", "-d", str(out / "classes"),
                    *map(str, FIXTURE.rglob("*.java"))], check=True, capture_output=True, timeout=180)
    proxy_key, proxy_ca = _ca("mitmproxy")
    other_key, other_ca = _ca("Untrusted Root CA")
    (out / "proxy.pem").write_text(_pem(_leaf(proxy_key, proxy_ca, "api.labshop.example"), proxy_ca))
    (out / "other.pem").write_text(_pem(_leaf(other_key, other_ca, "api.labshop.example"), other_ca))
    return out, _pem(proxy_ca)


def run_checks(pinning_app, hooked: bool) -> dict[str, str]:
    out, proxy_ca_pem = pinning_app
    app = launch_gated(["java", "-Xshare:auto", "-cp", str(out / "classes"), "fixture.PinningApp",
                        str(out / "proxy.pem"), str(out / "other.pem")])
    session = None
    try:
        if hooked:
            session = HookSession(app.proc.pid, categories=["unpinning"], config={"proxy_ca_pem": proxy_ca_pem})
            session.load()
        app.go()
        if session is not None:
            session.wait_ready(30)
        assert app.finish(60) == 0
    finally:
        if session is not None:
            session.unload()
        app.kill()
    return {line.split(" ")[1]: " ".join(line.split(" ")[2:]) for line in app.lines if line.startswith("LAB:CHECK ")}


def test_without_hooks_every_check_rejects_both_chains(pinning_app):
    results = run_checks(pinning_app, hooked=False)
    assert results.pop("declared_pins") == "1"
    assert len(results) == 8 and all(v.startswith("rejected") for v in results.values()), results


def test_hooks_let_the_proxy_chain_through_and_still_reject_another_ca(pinning_app):
    results = run_checks(pinning_app, hooked=True)
    assert results["app_trust_manager_proxy"] == "ok void"
    assert results["platform_list_proxy"] == "ok List of 2"  # a List where the caller needs one
    assert results["platform_void_proxy"] == "ok void"
    assert results["obfuscated_pinner_proxy"] == "ok void"
    assert results["app_trust_manager_other"] == "rejected java.security.cert.CertificateException"
    assert results["platform_list_other"] == "rejected java.security.cert.CertificateException"
    assert results["platform_void_other"] == "rejected java.security.cert.CertificateException"
    assert results["obfuscated_pinner_other"] == "rejected javax.net.ssl.SSLPeerUnverifiedException"
    assert results["declared_pins"] == "0"  # the network security config's pin set, cleared
