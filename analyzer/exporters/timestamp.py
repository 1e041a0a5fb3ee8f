"""RFC 3161 trusted timestamps of bundle manifests.

``export bundle --tsa URL`` (or ``CONSENTRY_TSA_URL``) sends the SHA-256 of
``manifest.json`` to a Time-Stamp Authority and stores its reply as ``manifest.tsr``
(DER TimeStampResp). ``verify`` checks that the token covers this manifest (message
imprint), that the TSA's CMS signature over the token is valid, and, given the TSA's
CA certificate (``--tsa-ca PEM`` or ``CONSENTRY_TSA_CA``), that the signing certificate
was issued by it and is meant for time stamping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass

from asn1crypto import tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

TSA_URL_ENV = "CONSENTRY_TSA_URL"
TSA_CA_ENV = "CONSENTRY_TSA_CA"
TOKEN_NAME = "manifest.tsr"
MAX_REPLY_BYTES = 1024 * 1024
_HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}


class TimestampError(ValueError):
    """The TSA could not be reached or gave an unusable answer (one-line message)."""


def timestamp_request(digest: bytes) -> tuple[bytes, int]:
    nonce = secrets.randbits(63)
    req = tsp.TimeStampReq({
        "version": 1,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "nonce": nonce,
        "cert_req": True,
    })
    return req.dump(), nonce


def request_timestamp(url: str, data: bytes, *, timeout: float = 30.0) -> bytes:
    """The TSA's DER reply for the SHA-256 of data, checked to cover it."""
    digest = hashlib.sha256(data).digest()
    body, nonce = timestamp_request(digest)
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the lab configures its TSA
            reply = resp.read(MAX_REPLY_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"timestamp authority {url} failed: {getattr(exc, 'reason', None) or exc}") from None
    if len(reply) > MAX_REPLY_BYTES:
        raise TimestampError(f"timestamp authority {url} sent more than 1 MiB")
    info = inspect_token(reply, digest)
    if not info.ok:
        raise TimestampError(f"timestamp authority {url}: {info.problem}")
    try:
        got_nonce = tsp.TimeStampResp.load(reply)["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed["nonce"].native
    except (ValueError, KeyError, TypeError):
        got_nonce = None
    if got_nonce != nonce:
        raise TimestampError(f"timestamp authority {url} answered another request (nonce mismatch)")
    return reply


@dataclass
class TokenInfo:
    ok: bool
    problem: str | None = None
    gen_time: dt.datetime | None = None
    tsa: str | None = None


def _signed_attrs_bytes(signer_info) -> bytes:
    """The DER the signature covers: the signed attributes as a SET (RFC 5652 5.4)."""
    raw = signer_info["signed_attrs"].dump(force=True)
    return b"\x31" + raw[1:]


def _attr(signer_info, name: str):
    for attr in signer_info["signed_attrs"]:
        if attr["type"].native == name:
            return attr["values"][0]
    return None


def _verify(public, signature: bytes, data: bytes, hash_name: str) -> None:
    algorithm = _HASHES.get(hash_name, hashes.SHA256)()
    if isinstance(public, rsa.RSAPublicKey):
        public.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        public.verify(signature, data, ec.ECDSA(algorithm))
    elif isinstance(public, ed25519.Ed25519PublicKey):
        public.verify(signature, data)
    else:
        raise InvalidSignature("unsupported TSA key type")


def inspect_token(reply: bytes, digest: bytes, trusted_ca: x509.Certificate | None = None) -> TokenInfo:
    """Does this TimeStampResp validly time-stamp ``digest`` (SHA-256)?"""
    try:
        resp = tsp.TimeStampResp.load(reply)
        status = resp["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            return TokenInfo(False, f"the TSA refused: {status}")
        signed = resp["time_stamp_token"]["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            return TokenInfo(False, "the token does not carry TSTInfo")
        tst_der = encap["content"].contents
        tst = tsp.TSTInfo.load(tst_der)
        imprint = tst["message_imprint"]
        gen_time = tst["gen_time"].native
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint["hashed_message"].native != digest:
            return TokenInfo(False, "it time-stamps another document (message imprint does not match the manifest)", gen_time)
        signer_info = signed["signer_infos"][0]
        hash_name = signer_info["digest_algorithm"]["algorithm"].native
        message_digest = _attr(signer_info, "message_digest")
        if message_digest is None or message_digest.native != hashlib.new(hash_name, tst_der).digest():
            return TokenInfo(False, "the token's signed digest does not match its content", gen_time)
        cert = _signer_cert(signed, signer_info)
        if cert is None:
            return TokenInfo(False, "the token carries no signing certificate", gen_time)
        _verify(cert.public_key(), signer_info["signature"].native, _signed_attrs_bytes(signer_info), hash_name)
        tsa = cert.subject.rfc4514_string()
        if trusted_ca is not None:
            try:
                cert.verify_directly_issued_by(trusted_ca)
            except (ValueError, TypeError, InvalidSignature):
                return TokenInfo(False, f"the TSA certificate ({tsa}) is not issued by the trusted TSA CA", gen_time, tsa)
            try:
                usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound:
                usage = []
            if ExtendedKeyUsageOID.TIME_STAMPING not in usage:
                return TokenInfo(False, f"the TSA certificate ({tsa}) is not for time stamping", gen_time, tsa)
        return TokenInfo(True, None, gen_time, tsa)
    except InvalidSignature:
        return TokenInfo(False, "the TSA's signature over the token is invalid")
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        return TokenInfo(False, f"unreadable timestamp token ({type(exc).__name__})")


def _signer_cert(signed, signer_info) -> x509.Certificate | None:
    sid = signer_info["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            iss = sid.chosen
            if cert.issuer == iss["issuer"] and cert.serial_number == iss["serial_number"].native:
                return x509.load_der_x509_certificate(cert.dump())
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return x509.load_der_x509_certificate(cert.dump())
    return None


def load_ca(path) -> x509.Certificate:
    from pathlib import Path

    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (ValueError, OSError) as exc:
        raise TimestampError(f"cannot read TSA CA certificate {path}: {exc}") from None


