"""Detectors for personal data the hooks did not report, each with a confidence.

Shape alone is weak evidence (a 15-digit number is usually an order id), so each
detector combines the shape with a checksum (Luhn), a plausibility table (IMEI
reporting bodies, MCCs) and the field name. A bare 15-digit number that is not
Luhn-valid or not under an IMEI key is never flagged; UUIDs, 16-hex strings and
decimals count only under the keys SDKs use for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import ahocorasick_rs

from analyzer.decode.walk import Leaf
from analyzer.match.keys import ALL_KEYS, KEYS, any_key_in, key_class

# Reporting-body prefixes of IMEI type allocation codes seen on real devices.
IMEI_RBI = frozenset({"01", "10", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98", "99"})
# Mobile country codes common enough that an IMSI starting with one is plausible.
KNOWN_MCC = frozenset({
    "460", "461", "454", "455", "466", "310", "311", "312", "313", "314", "315", "316", "302", "234", "235",
    "262", "208", "214", "222", "204", "206", "228", "232", "238", "240", "242", "244", "260", "268", "272",
    "440", "441", "450", "404", "405", "510", "520", "525", "502", "515", "452", "505", "530", "724", "334",
    "250", "255", "286", "425", "602", "655", "621",
})

_DIGIT_RUN = re.compile(r"(?<![\d.])\d{14,20}(?![\d.])")
_MAC = re.compile(r"(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Fa-f:-])")
_HEX12 = re.compile(r"[0-9A-Fa-f]{12}\Z")
_HEX16 = re.compile(r"[0-9a-fA-F]{16}\Z")
_HEX14 = re.compile(r"[0-9A-Fa-f]{14}\Z")
_OAID_HEX = re.compile(r"[0-9a-fA-F]{16,64}\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])")
_CN_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)")
_E164 = re.compile(r"(?<![\w+])\+[1-9]\d{7,14}(?!\d)")
_DECIMAL = re.compile(r"-?\d{1,3}\.\d{2,}\Z")
_PAIR = re.compile(r"(?<![\d.])(-?\d{1,3}\.\d{2,})\s*[,;| ]\s*(-?\d{1,3}\.\d{2,})(?![\d.])")
_PACKAGE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_]+){1,8}\Z")
_SPLIT_LIST = re.compile(r"[,;|\s]+")
_INDEX_TAIL = re.compile(r"\[\d+\]$")

_CONTACT_KEYS = KEYS["contacts"]
_LONG_DIGITS = re.compile(r"\d{11}")
# URL-encoded JSON/forms and \u-escaped JSON hide field names from the raw search
_URL_ENCODED_STRUCTURE = (b"%22", b"%7B", b"%7b", b"%3D", b"%3d")

@dataclass(frozen=True)
class Detection:
    pii_type: str
    value: str
    start: int
    end: int
    confidence: str
    detector: str


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_ok(digits: str) -> bool:
    return _luhn_sum(digits) % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + digit`` pass the Luhn check."""
    return str((10 - _luhn_sum(digits + "0") % 10) % 10)


# Cheap flow-level triggers on raw bytes. bytes.translate runs at memory speed, so shapes
# are found by mapping character classes to one letter and searching for a literal.
_DIGIT_CLASS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord(" ") for i in range(256))
_HEX_CLASS = bytes.maketrans(b"0123456789abcdefABCDEF", b"h" * 22)
_ELEVEN_DIGITS = b"0" * 11
_KEY_BYTES = frozenset(k.encode() for k in ALL_KEYS)
# _EMAIL on the raw bytes: its characters are ASCII, and a non-ASCII neighbour (a UTF-8 byte
# here, a letter in the text) only makes this looser, never stricter, than the text's test
_EMAIL_BYTES = re.compile(_EMAIL.pattern.encode("ascii"))


def _digit_run_candidate(run: str, before: bytes) -> bool:
    n = len(run)
    if n == 15:
        return run[:2] in IMEI_RBI and luhn_ok(run)
    if n in (19, 20):
        return run.startswith("89")
    if n == 11:
        return run[0] == "1" and run[1] in "3456789"
    if n == 13:
        return run.startswith("86") and run[2] == "1"
    return before == b"+" and n <= 15


_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_SEPARATORS = (b"?", b";", b" ", b"\t", b"\r", b"\n", b",", b"&")  # what ends a form or query field
_MAX_ESCAPES = 3  # backslashes before the closing quote of an escaped field name (JSON in JSON in JSON)


def _field_patterns() -> list[bytes]:
    """A personal-data field name as it ends up in the folded text: ``"imei":`` (and with its
    closing quote escaped), ``":imei":`` after a value with no opening quote, ``&imei=``."""
    out = []
    for key in sorted(_KEY_BYTES):
        for escapes in range(_MAX_ESCAPES + 1):
            tail = b"\\" * escapes + b'":'
            out += [b'"' + key + tail, b'":' + key + tail]
        out += [sep + key + b"=" for sep in _SEPARATORS]
    return out


_FIELD_NAMES = ahocorasick_rs.BytesAhoCorasick(_field_patterns())
_FIELD_STARTS = tuple(k + b"\\" * escapes + b'":' for k in _KEY_BYTES for escapes in range(_MAX_ESCAPES + 1)) + tuple(
    k + b"=" for k in _KEY_BYTES)
_MANY_ESCAPES = b"\\" * (_MAX_ESCAPES + 1) + b'":'


def has_keyed_field(raw: bytes) -> bool:
    """Does raw mention a field name SDKs use for personal data (``"imei":``, ``mac=``)?

    Names compare folded (lower case, no ``_`` or ``-``); one automaton pass finds them.
    """
    folded = raw.translate(_LOWER, b"_-")  # = raw.lower() without _ and -, in one pass
    if _MANY_ESCAPES in folded:
        return _keyed_field_by_splitting(folded)
    return folded.startswith(_FIELD_STARTS) or bool(_FIELD_NAMES.find_matches_as_indexes(folded))


_SEPARATORS_TO_AMP = bytes.maketrans(b"?; \t\r\n,", b"&&&&&&&")


def _keyed_field_by_splitting(folded: bytes) -> bool:
    """has_keyed_field for any depth of escaping: every name before ``":`` and before ``=``."""
    chunks = folded.split(b'":')
    if len(chunks) > 1:
        names = {c[c.rfind(b'"') + 1 :].rstrip(b"\\") for c in chunks[:-1]}
        if not _KEY_BYTES.isdisjoint(names):
            return True
    if b"=" in folded:
        pieces = folded.translate(_SEPARATORS_TO_AMP).split(b"&")
        return not _KEY_BYTES.isdisjoint({p.partition(b"=")[0] for p in pieces if b"=" in p})
    return False


def has_keyless_shape(raw: bytes) -> bool:
    """Shapes detectors flag without a field name: long digit runs, MACs, e-mails."""
    digits = raw.translate(_DIGIT_CLASS)
    start = digits.find(_ELEVEN_DIGITS)
    while start != -1:  # each digit run of 11 or more, by literal search (a regex tries every digit)
        end = digits.find(b" ", start)
        end = len(raw) if end == -1 else end
        if _digit_run_candidate(raw[start:end].decode("ascii"), raw[start - 1 : start]):
            return True
        start = digits.find(_ELEVEN_DIGITS, end)
    if b":" in raw or b"-" in raw:
        hexes = raw.translate(_HEX_CLASS)
        if b"hh:hh:hh:hh:hh:hh" in hexes or b"hh-hh-hh-hh-hh-hh" in hexes:
            return True
    return _has_email(raw)


_DOMAIN_CHARS = re.compile(rb"[A-Za-z0-9.\-]*")
_LOCAL_BYTES = frozenset(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_LABEL_BYTES = frozenset(bytes([c]) for c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


def _has_email(raw: bytes) -> bool:
    """_EMAIL anywhere in raw, searched around each ``@`` only: an address is at most 64
    characters before it and one run of domain characters after it."""
    at = raw.find(b"@")
    while at != -1:
        # an address has a local-part character right before its @ and a label character right after
        if raw[at - 1 : at] in _LOCAL_BYTES and raw[at + 1 : at + 2] in _LABEL_BYTES:
            domain_end = _DOMAIN_CHARS.match(raw, at + 1).end()
            # lookbehind sees the bytes before pos; endpos keeps the byte after the domain for the lookahead
            if _EMAIL_BYTES.search(raw, max(0, at - 64), domain_end + 1):
                return True
        at = raw.find(b"@", at + 1)
    return False


def worth_walking(raw: bytes, is_text: bool = True) -> bool:
    """Cheap test on a message's raw bytes: could any detector fire on it?"""
    if has_keyless_shape(raw) or has_keyed_field(raw):
        return True
    return is_text and has_encoded_structure(raw)


def has_encoded_structure(raw: bytes) -> bool:
    """URL-encoded quotes, braces or equals signs, or a ``\\u`` escape, anywhere in raw.

    Each marker starts with a byte rare in ordinary traffic (``%``, ``\\``): a search for
    that one byte runs at memory speed, and only a message holding it is searched for the
    markers (a search for ``%22`` itself skips along on its common last byte)."""
    return (b"%" in raw and any(s in raw for s in _URL_ENCODED_STRUCTURE)) or (b"\\" in raw and b"\\u" in raw)


def leaf_candidate(text: str, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
    """Per scalar: could a detector fire on this value? ``key`` is its own field name (None for
    an array element, which goes by its array's name: the last of ``parent_keys``)."""
    last = key if key is not None else (parent_keys[-1] if parent_keys else None)
    if last in ALL_KEYS or text_candidate(text):
        return True
    return key in _CONTACT_KEYS or not _CONTACT_KEYS.isdisjoint(parent_keys)


TEXT_CANDIDATE_LENGTH = 11  # text_candidate holds for no shorter text without one of TEXT_CANDIDATE_CHARS
TEXT_CANDIDATE_CHARS = frozenset("@+.")


def text_candidate(text: str) -> bool:
    """The part of leaf_candidate that looks at the value alone: under a field name outside
    ALL_KEYS (and no contacts field above it), a value is a candidate exactly when this holds."""
    if "@" in text or "+" in text:
        return True
    n = len(text)
    if n >= 11 and _LONG_DIGITS.search(text):
        return True
    if n >= 12 and (":" in text or "-" in text):
        return True
    return "." in text and text[:1].isalpha() and _PACKAGE.match(text) is not None


_LONG_INTS = range(10**10, 10**20)  # 11 to 20 digits: IMEI, phone, ICCID written as numbers


def number_candidate(value: int | float, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
    """Per number: values under a known key, and integers of a shape a detector flags without
    one (the digit runs of has_keyless_shape: a millisecond timestamp is not one)."""
    last = key if key is not None else (parent_keys[-1] if parent_keys else None)
    return last in ALL_KEYS or (value.__class__ is int and value in _LONG_INTS and int_shape_candidate(str(value)))


# digit count -> leading digits: no integer outside these passes int_shape_candidate
INT_SHAPE_PREFIXES: dict[int, tuple[str, ...]] = {
    11: tuple(f"1{d}" for d in "3456789"), 13: ("861",), 15: tuple(sorted(IMEI_RBI)), 19: ("89",), 20: ("89",),
}


def int_shape_candidate(digits: str) -> bool:
    """The part of number_candidate that looks at the value alone, for an integer's digits."""
    return 11 <= len(digits) <= 20 and _digit_run_candidate(digits, b"")


def _digits(leaf: Leaf, cls: str | None, out: list[Detection]) -> None:
    for m in _DIGIT_RUN.finditer(leaf.text):
        d, s, e = m.group(), m.start(), m.end()
        if len(set(d)) <= 2:
            continue  # 000000000000000 and friends: placeholders, not identifiers
        if len(d) == 15:
            if cls == "imsi":
                out.append(Detection("imsi", d, s, e, "high" if d[:3] in KNOWN_MCC else "medium", "imsi-key"))
            elif luhn_ok(d) and (cls in ("imei", "device_id") or d[:2] in IMEI_RBI):
                conf = "high" if cls in ("imei", "device_id") else "low"
                out.append(Detection("imei", d, s, e, conf, "imei-luhn"))
            elif cls == "imei":
                out.append(Detection("imei", d, s, e, "low", "imei-key"))
        elif len(d) in (19, 20) and d.startswith("89"):
            if luhn_ok(d) or cls == "iccid":
                conf = "high" if cls == "iccid" else ("medium" if luhn_ok(d) else "low")
                out.append(Detection("iccid", d, s, e, conf, "iccid"))
        elif len(d) == 14 and cls == "meid":
            out.append(Detection("meid", d, s, e, "high", "meid-key"))


def _whole_value(leaf: Leaf, cls: str | None, out: list[Detection]) -> None:
    text = leaf.text.strip()
    lead = leaf.text.find(text) if text else 0
    span = (lead, lead + len(text))
    if not text:
        return
    if cls in ("android_id", "device_id") and _HEX16.match(text) and len(set(text)) > 2:
        out.append(Detection("android_id", text, *span, "high" if cls == "android_id" else "medium", "android-id-key"))
    elif cls in ("aaid", "oaid", "idfa", "idfv") and (_UUID.match(text) or (cls == "oaid" and _OAID_HEX.match(text))):
        if len(set(text.replace("-", ""))) > 1:
            out.append(Detection(cls, text, *span, "high", "ad-id-key"))
    elif cls == "meid" and _HEX14.match(text) and not text.isdigit():
        out.append(Detection("meid", text, *span, "high", "meid-key"))
    elif cls in ("mac", "bssid") and _HEX12.match(text) and len(set(text)) > 2:
        out.append(Detection(cls, text, *span, "medium", "mac-key"))
    elif cls == "ssid" and not _MAC.search(text) and text.lower() not in ("<unknown ssid>", "unknown", "null", "none"):
        if len(text) <= 64:
            out.append(Detection("ssid", text, *span, "medium", "wifi-key"))
    elif cls == "serial" and 6 <= len(text) <= 32 and text.isalnum() and not text.isdigit() and text.lower() != "unknown":
        out.append(Detection("serial", text, *span, "medium", "serial-key"))


def _shapes(leaf: Leaf, cls: str | None, out: list[Detection]) -> None:
    text = leaf.text
    for m in _MAC.finditer(text):
        mac = m.group()
        if len(set(mac.lower().replace(":", "").replace("-", ""))) <= 1 or mac.lower() == "02:00:00:00:00:00":
            continue
        kind = "bssid" if cls == "bssid" or (cls == "ssid" and "bssid" in leaf.keys) else "mac"
        out.append(Detection(kind, mac, m.start(), m.end(), "high" if cls in ("mac", "bssid", "ssid") else "medium", "mac-shape"))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            out.append(Detection("email", m.group(), m.start(), m.end(), "high" if cls == "email" else "medium", "email"))
    for m in _CN_MOBILE.finditer(text):
        has_cc = m.group().startswith(("+86", "86"))
        conf = "high" if cls == "phone_number" else ("medium" if has_cc else "low")
        out.append(Detection("phone_number", m.group(), m.start(), m.end(), conf, "cn-mobile"))
    if "+" in text:
        for m in _E164.finditer(text):
            if not any(d.start <= m.start() < d.end for d in out if d.pii_type == "phone_number"):
                out.append(Detection("phone_number", m.group(), m.start(), m.end(),
                                     "high" if cls == "phone_number" else "medium", "e164"))
    if cls == "location" or any_key_in(leaf.keys, "location"):
        for m in _PAIR.finditer(text):
            a, b = float(m.group(1)), float(m.group(2))
            if abs(a) <= 90 and abs(b) <= 180 and (a, b) != (0.0, 0.0):
                decimals = min(len(m.group(1).split(".")[1]), len(m.group(2).split(".")[1]))
                out.append(Detection("location", f"{m.group(1)},{m.group(2)}", m.start(), m.end(),
                                     "high" if decimals >= 3 else "medium", "coordinate-pair"))


# Lists of SDK configuration strings look like package lists but name no app: Apple's
# SKAdNetwork ids ("cstr6suwn9.skadnetwork"), ad-network and SDK key lists.
_CONFIG_SUFFIXES = (".skadnetwork", ".adattributionkit")
_CONFIG_KEYS = ("skadnetwork", "skan", "adnetwork", "sdk_config", "sdkconfig", "networks")


def is_config_key(keys: Iterable[str]) -> bool:
    return any(word in str(k).lower() for k in keys for word in _CONFIG_KEYS)


def app_packages(items: Iterable[str]) -> list[str]:
    """Items shaped like Android package names that are not SDK configuration strings."""
    return [p for p in items if _PACKAGE.match(p) and not p.lower().endswith(_CONFIG_SUFFIXES)]


def _package_list(leaf: Leaf, cls: str | None, out: list[Detection]) -> None:
    text = leaf.text
    if text.count(".") < 6 or is_config_key(leaf.keys):
        return
    items = [p for p in _SPLIT_LIST.split(text.strip()) if p]
    packages = app_packages(items)
    if len(packages) >= 3 and len(packages) >= 0.8 * len(items):
        if cls == "installed_apps" or len(packages) >= 5:
            out.append(Detection("installed_apps", ",".join(packages[:50]), 0, len(text),
                                 "high" if cls == "installed_apps" else "medium", "package-list"))


def detect_leaf(leaf: Leaf) -> list[Detection]:
    """Detections inside one leaf, judged by its shape and its field name."""
    cls = key_class(leaf.key)
    out: list[Detection] = []
    _digits(leaf, cls, out)
    _whole_value(leaf, cls, out)
    _shapes(leaf, cls, out)
    _package_list(leaf, cls, out)
    if any_key_in(leaf.keys[:-1], "contacts"):
        out = [Detection("contacts", d.value, d.start, d.end, "high", f"contacts-{d.detector}")
               if d.pii_type in ("phone_number", "email") else d for d in out]
    return out


_LAST_MEMBER = re.compile(r"(?:\.[^.\[\]]+|\[[^\]]*\])$")


def _parent(leaf: Leaf) -> tuple[str, str, str]:
    """Siblings share this: same object (JSON/msgpack) or same form/query."""
    last = leaf.path.rpartition(" > ")[2]
    if last.startswith(("json:", "msgpack:")):
        base = _LAST_MEMBER.sub("", leaf.path)
    else:
        base = leaf.path[: len(leaf.path) - len(last)]
    return leaf.location, leaf.direction, base


def detect_groups(leaves: Iterable[Leaf]) -> list[tuple[Leaf, Detection]]:
    """Detections that need several leaves: lat/lon siblings and arrays of package names."""
    lats: dict[tuple[str, str, str], Leaf] = {}
    lons: dict[tuple[str, str, str], Leaf] = {}
    arrays: dict[tuple[str, str, str], list[Leaf]] = {}
    for leaf in leaves:
        cls = key_class(leaf.key)
        if cls in ("latitude", "longitude") and _DECIMAL.match(leaf.text.strip()):
            (lats if cls == "latitude" else lons).setdefault(_parent(leaf), leaf)
        if leaf.path.endswith("]") and app_packages([leaf.text]) and not is_config_key(leaf.keys):
            arrays.setdefault((leaf.location, leaf.direction, _INDEX_TAIL.sub("", leaf.path)), []).append(leaf)
    found: list[tuple[Leaf, Detection]] = []
    for parent, lat_leaf in lats.items():
        lon_leaf = lons.get(parent)
        lat, lon = lat_leaf.text.strip(), lon_leaf.text.strip() if lon_leaf else ""
        if not lon_leaf or not (abs(float(lat)) <= 90 and abs(float(lon)) <= 180) or float(lat) == float(lon) == 0:
            continue
        decimals = min(len(lat.split(".")[1]), len(lon.split(".")[1]))
        conf = "high" if decimals >= 3 else "medium"
        found.append((lat_leaf, Detection("location", f"{lat},{lon}", 0, len(lat_leaf.text), conf, "lat-lon-keys")))
    for (_, _, base), members in arrays.items():
        if len(members) >= 3:
            cls = key_class(members[0].key)
            if cls == "installed_apps" or len(members) >= 5:
                value = ",".join(m.text for m in members[:50])
                found.append((members[0], Detection("installed_apps", value, 0, len(members[0].text),
                                                    "high" if cls == "installed_apps" else "medium", "package-array")))
    return found
