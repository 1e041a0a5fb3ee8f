"""Credentials for `consentry serve` on a non-loopback address: HTTP Basic over hashed passwords.

Users come from a file (``--auth FILE``, one ``name:pbkdf2_sha256$iterations$salt$hash``
line each; ``#`` comments) or the ``CONSENTRY_SERVE_USERS`` variable (same lines,
separated by newlines or commas). ``consentry serve --hash-password NAME`` prints a line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

ITERATIONS = 240_000
SCHEME = "pbkdf2_sha256"
USERS_ENV = "CONSENTRY_SERVE_USERS"


class AuthConfigError(ValueError):
    """The users file or variable cannot be used; the message is one line."""


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), iterations)
    return f"{SCHEME}${iterations}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        rounds = int(iterations)
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode(), rounds)
    return hmac.compare_digest(candidate.hex(), digest)


def parse_users(text: str, origin: str) -> dict[str, str]:
    users: dict[str, str] = {}
    for n, raw in enumerate(text.replace(",", "\n").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        if not sep or not name or not stored.startswith(SCHEME + "$") or stored.count("$") != 3:
            raise AuthConfigError(f"{origin} line {n}: expected NAME:{SCHEME}$ITERATIONS$SALT$HASH "
                                  f"(make one with `consentry serve --hash-password NAME`)")
        users[name] = stored
    return users


def load_users(path: str | None) -> dict[str, str]:
    """Users from --auth FILE, else from $CONSENTRY_SERVE_USERS; {} when neither is set."""
    if path:
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthConfigError(f"cannot read users file {path}: {getattr(exc, 'strerror', None) or exc}") from None
        users = parse_users(text, str(path))
        if not users:
            raise AuthConfigError(f"users file {path} has no users")
        return users
    env = os.environ.get(USERS_ENV, "")
    return parse_users(env, USERS_ENV) if env.strip() else {}


def check_basic(header: str | None, users: dict[str, str]) -> str | None:
    """The user name an ``Authorization: Basic`` header proves, or None."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, sep, password = decoded.partition(":")
    stored = users.get(name)
    if not sep or stored is None:
        return None
    return name if verify_password(password, stored) else None
