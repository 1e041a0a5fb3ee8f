"""Canary identities: session-unique, valid-looking fake device identifiers.

The hooks return these instead of the device's values, so a value seen in traffic can only
have come from this session's API calls (no false match with an unrelated number).
"""

from __future__ import annotations

import hashlib
import random
import uuid

from analyzer.match.detectors import luhn_check_digit

# A TAC of a real handset model family, so the IMEI passes format checks in SDKs.
IMEI_TAC = "35693803"


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_check_digit(number[:-1]) == number[-1]


def _rng(seed: str | int) -> random.Random:
    digest = hashlib.sha256(f"consentry-canary:{seed}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _mac(rng: random.Random) -> str:
    # Locally administered, unicast: valid, and never a real vendor's address.
    first = (rng.randrange(256) | 0x02) & 0xFE
    return ":".join(f"{b:02x}" for b in [first] + [rng.randrange(256) for _ in range(5)])


def make_canary(seed: str | int) -> dict[str, str]:
    """Fake identities for one session, deterministic for a seed. Keys are PII kinds."""
    rng = _rng(seed)
    body = IMEI_TAC + "".join(rng.choice("0123456789") for _ in range(6))
    lat = round(rng.uniform(22.0, 40.0), 7)
    lon = round(rng.uniform(100.0, 120.0), 7)
    return {
        "imei": body + luhn_check_digit(body),
        "meid": "A0000" + _hex(rng, 9).upper(),
        "imsi": "46000" + "".join(rng.choice("0123456789") for _ in range(10)),
        "iccid": (lambda b: b + luhn_check_digit(b))("898600" + "".join(rng.choice("0123456789") for _ in range(13))),
        "serial": _hex(rng, 12).upper(),
        "android_id": _hex(rng, 16),
        "oaid": _hex(rng, 16),
        "aaid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "mac": _mac(rng),
        "bssid": _mac(rng),
        "phone_number": "+86139" + "".join(rng.choice("0123456789") for _ in range(8)),
        "location": f"{lat},{lon}",
    }
