"""Certificates for the lab network.

- a lab CA and one server certificate for every lab host name (the backend presents it;
  mitmproxy is told to trust the lab CA for upstream connections);
- a Java trust store holding the proxy's CA: on the lab JVM it plays the part of a rooted
  phone's system CA store;
- SPKI pins in OkHttp's "sha256/BASE64" form.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from analyzer.lab.build import tool

TRUSTSTORE_PASSWORD = "changeit"
MITMPROXY_CA_FILE = "mitmproxy-ca-cert.pem"
CERT_VALIDITY = dt.timedelta(days=30)


class LabCertError(RuntimeError):
    pass


@dataclass(frozen=True)
class LabCerts:
    ca_cert: Path  # PEM: trust this for upstream (mitmproxy) or bundle it (StrictTrustManager)
    ca_key: Path
    server_cert: Path  # PEM: leaf then CA
    server_key: Path
    hosts: tuple[str, ...]


def san_names(hosts: Iterable[str]) -> list[str]:
    """Every host plus a wildcard for its parent domain, so new sub-hosts of an SDK still verify."""
    names: list[str] = ["localhost"]
    for host in hosts:
        host = host.strip().lower().rstrip(".")
        if not host:
            continue
        names.append(host)
        parent = host.split(".", 1)[1] if host.count(".") >= 2 else None
        if parent:
            names.append("*." + parent)
    return list(dict.fromkeys(names))


def make_lab_certs(directory: Path, hosts: Iterable[str]) -> LabCerts:
    """Write a fresh lab CA and server certificate (EC P-256) into directory."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consentry lab CA"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "consentry lab")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    names = san_names(hosts)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consentry lab backend")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certs = LabCerts(directory / "lab-ca.pem", directory / "lab-ca.key", directory / "lab-server.pem",
                     directory / "lab-server.key", tuple(names))
    certs.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(certs.ca_key, ca_key)
    certs.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(certs.server_key, server_key)
    return certs


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def spki_pin(cert_pem: Path | bytes) -> str:
    """OkHttp's pin of the first certificate in a PEM: "sha256/" + base64(sha256(SubjectPublicKeyInfo))."""
    data = cert_pem.read_bytes() if isinstance(cert_pem, Path) else cert_pem
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise LabCertError(f"not a PEM certificate: {exc}") from None
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256/" + base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def mitmproxy_ca(confdir: Path | None = None) -> Path:
    """The proxy CA certificate in mitmproxy's confdir (default ~/.mitmproxy), created if missing."""
    confdir = (confdir or Path("~/.mitmproxy")).expanduser()
    pem = confdir / MITMPROXY_CA_FILE
    if not pem.is_file():
        from mitmproxy.certs import CertStore

        confdir.mkdir(parents=True, exist_ok=True)
        CertStore.from_store(confdir, "mitmproxy", 2048)
    if not pem.is_file():
        raise LabCertError(f"no mitmproxy CA at {pem}")
    return pem


def make_truststore(ca_pems: Iterable[Path], out: Path, password: str = TRUSTSTORE_PASSWORD) -> Path:
    """A PKCS12 trust store (via the JDK's keytool) with the given CA certificates as trusted entries."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    keytool = tool("keytool")
    for i, pem in enumerate(ca_pems):
        cmd = [keytool, "-importcert", "-noprompt", "-alias", f"ca{i}", "-file", str(pem), "-keystore", str(out),
               "-storetype", "PKCS12", "-storepass", password]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise LabCertError("keytool did not finish within 60 s") from None
        if proc.returncode != 0:
            raise LabCertError(f"keytool could not import {pem}: {(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")
    if not out.is_file():
        raise LabCertError("no CA certificate given for the trust store")
    return out
