"""The lab's Ed25519 signing key and manifest signatures of evidence bundles.

``consentry keys init`` writes the key pair to the key directory (``CONSENTRY_KEY_DIR``,
default ``keys/`` in the user's config dir): ``lab_ed25519.pem`` (private, PKCS#8, mode
0600) and ``lab_ed25519.pub.pem``. A bundle's ``manifest.sig`` is JSON::

    {"alg": "Ed25519", "key_id": "<sha256 of the raw public key, hex>",
     "public_key": "<raw public key, base64>", "signature": "<base64>"}

signing the exact bytes of ``manifest.json`` in the zip. Verifying checks the signature,
and that the key is the one the verifier trusts (``--key PUB.pem``, else the lab's own
key): a valid signature by another key is "wrong key", not a pass.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_DIR_ENV = "CONSENTRY_KEY_DIR"
PRIVATE_NAME = "lab_ed25519.pem"
PUBLIC_NAME = "lab_ed25519.pub.pem"
SIGNATURE_NAME = "manifest.sig"


class KeyError_(ValueError):
    """A missing or unreadable key (one-line message)."""


def key_dir() -> Path:
    env = os.environ.get(KEY_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("consentry")) / "keys"


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(public)).hexdigest()


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class LabKey:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)


def init_key(directory: Path | None = None, *, force: bool = False) -> LabKey:
    """Create the lab key pair; refuses to replace an existing key unless force."""
    directory = directory or key_dir()
    private_path = directory / PRIVATE_NAME
    if private_path.exists() and not force:
        raise KeyError_(f"a lab key already exists at {private_path} (use --force to replace it; old bundles then "
                        f"verify only with the old public key)")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    (directory / PUBLIC_NAME).write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return LabKey(key, private_path)


def load_key(path: Path | None = None) -> LabKey | None:
    """The lab's private key (None when there is none)."""
    path = path or key_dir() / PRIVATE_NAME
    if not path.is_file():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise KeyError_(f"cannot read the lab key {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 key")
    return LabKey(key, path)


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
        key = serialization.load_pem_public_key(data) if b"PUBLIC KEY" in data else \
            serialization.load_pem_private_key(data, password=None).public_key()
    except (ValueError, TypeError, OSError) as exc:
        raise KeyError_(f"cannot read public key {path}: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyError_(f"{path} is not an Ed25519 key")
    return key


def trusted_public(path: Path | None = None) -> Ed25519PublicKey | None:
    """The key bundles must be signed with: the one given, else the lab's own."""
    if path is not None:
        return load_public(path)
    own = key_dir() / PUBLIC_NAME
    return load_public(own) if own.is_file() else None


def sign_manifest(key: LabKey, manifest_bytes: bytes) -> bytes:
    doc = {"alg": "Ed25519", "key_id": key.key_id, "public_key": base64.b64encode(raw_public(key.public)).decode(),
           "signature": base64.b64encode(key.private.sign(manifest_bytes)).decode()}
    return (json.dumps(doc, indent=2) + "\n").encode()


def check_signature(sig_bytes: bytes, manifest_bytes: bytes, trusted: Ed25519PublicKey | None) -> tuple[bool, str]:
    """(ok, one-line verdict) of a manifest.sig against the manifest and the trusted key."""
    try:
        doc = json.loads(sig_bytes.decode("utf-8"))
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(doc["public_key"], validate=True))
        signature = base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return False, "signature: manifest.sig is unreadable"
    try:
        public.verify(signature, manifest_bytes)
    except InvalidSignature:
        return False, "signature: INVALID (manifest.json was changed after signing, or the signature is forged)"
    signer = key_id(public)
    if trusted is None:
        return True, f"signature: valid, by key {signer[:16]} (no trusted key to compare: give --key or run consentry keys init)"
    if raw_public(trusted) != raw_public(public):
        return False, f"signature: WRONG KEY: signed by {signer[:16]}, expected {key_id(trusted)[:16]}"
    return True, f"signature: valid, by the trusted key {signer[:16]}"
