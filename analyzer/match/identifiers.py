"""Known identifier values and the forms apps really send them in.

SDKs rarely send an IMEI as the hook returned it: they upper-case it, strip the
colons from a MAC, MD5 it and upper-case the hex, base64 the SHA-256 digest, round
a coordinate to four decimals. :class:`IdentifierSet` expands every value into those
variants once per session; one Aho-Corasick automaton over bytes then finds all of
them in a single pass over a whole decoded message. Each variant keeps its transform chain (application
order, e.g. ``("upper", "sha256", "base64")``) and the identifier it came from.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote

import ahocorasick_rs

DIGESTS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
MAC_KINDS = frozenset({"mac", "bssid"})
GENERIC_VALUES = frozenset(
    v.lower() for v in (
        "", "unknown", "null", "none", "nil", "undefined", "true", "false", "0", "-1", "n/a", "default",
        "02:00:00:00:00:00", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "<unknown ssid>", "0x",
        "00000000-0000-0000-0000-000000000000", "000000000000000", "0000000000000000", "android",
    )
)


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str
    source: str


@dataclass(frozen=True)
class Variant:
    text: str
    transforms: tuple[str, ...]  # application order: value -> ... -> text
    identifier: Identifier
    needs_context: bool = False  # a short coordinate: only counts next to a location key or its partner
    coordinate: str | None = None  # "lat" or "lon" for single-coordinate variants

    @property
    def decode_steps(self) -> tuple[str, ...]:
        """The same chain in decode order (outermost first), as reports show it."""
        return tuple(reversed(self.transforms))


def _same_class(a: str, b: str) -> bool:
    """Both digits or both letters: a hit with such an edge is part of a longer token."""
    return (a.isdigit() and b.isdigit()) or (a.isalpha() and b.isalpha())


def _is_generic(value: str) -> bool:
    v = value.strip().lower()
    return v in GENERIC_VALUES or len(set(v.replace(":", "").replace("-", ""))) <= 1


def _case_forms(value: str) -> list[tuple[str, tuple[str, ...]]]:
    forms = [(value, ())]
    for name, text in (("lower", value.lower()), ("upper", value.upper())):
        if text != value:
            forms.append((text, (name,)))
    return forms


def _mac_forms(value: str) -> list[tuple[str, tuple[str, ...]]]:
    digits = re.sub(r"[^0-9a-fA-F]", "", value)
    if len(digits) != 12:
        return _case_forms(value)
    octets = [digits[i : i + 2] for i in range(0, 12, 2)]
    forms = []
    for sep, sep_name in ((":", "colon"), ("-", "dash"), ("", "no-separator")):
        joined = sep.join(octets)
        for case in ("lower", "upper"):
            text = joined.lower() if case == "lower" else joined.upper()
            forms.append((text, (f"mac-{sep_name}", case)))
    original = [f for f in forms if f[0] == value]
    rest = [f for f in forms if f[0] != value]
    return [(value, ())] * bool(original) + rest


def _phone_forms(value: str) -> list[tuple[str, tuple[str, ...]]]:
    digits = re.sub(r"\D", "", value)
    forms = [(value, ())]
    if digits.startswith("86") and len(digits) == 13:
        forms += [(digits[2:], ("national",)), ("+" + digits, ("e164",)), (digits, ("digits",)), ("0086" + digits[2:], ("intl-00",))]
    elif len(digits) >= 8:
        forms += [("+" + digits, ("e164",)), (digits, ("digits",))]
    seen: set[str] = set()
    return [f for f in forms if not (f[0] in seen or seen.add(f[0]))]


def _plain_forms(kind: str, value: str) -> list[tuple[str, tuple[str, ...]]]:
    if kind in MAC_KINDS:
        return _mac_forms(value)
    if kind == "phone_number":
        return _phone_forms(value)
    forms = _case_forms(value)
    if kind == "ssid" and len(value) > 2 and value[0] == value[-1] == '"':
        forms += _case_forms(value[1:-1])
    return forms


def _encodings(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    raw = text.encode("utf-8")
    quoted = quote(text, safe="")
    if quoted != text:
        yield quoted, ("urlencode",)
    std = base64.b64encode(raw).decode()
    yield std, ("base64",)
    url = base64.urlsafe_b64encode(raw).decode()
    if url != std:
        yield url, ("base64url",)
    if std.rstrip("=") != std:
        yield std.rstrip("="), ("base64-unpadded",)
    yield raw.hex(), ("hex",)
    yield raw.hex().upper(), ("hex", "upper")


def _digests(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    raw = text.encode("utf-8")
    for name in DIGESTS:
        digest = hashlib.new(name, raw).digest()
        yield digest.hex(), (name,)
        yield digest.hex().upper(), (name, "upper")
        yield base64.b64encode(digest).decode(), (name, "base64")


def _decimal_forms(coord: Decimal, min_decimals: int) -> Iterator[tuple[str, int, str]]:
    for places in range(7, min_decimals - 1, -1):
        quantum = Decimal(1).scaleb(-places)
        for mode, rounding in (("round", ROUND_HALF_UP), ("truncate", ROUND_DOWN)):
            yield str(coord.quantize(quantum, rounding=rounding)), places, f"{mode}-{places}"


def _location_variants(ident: Identifier, min_decimals: int, standalone_decimals: int) -> Iterator[Variant]:
    try:
        lat_s, lon_s = [p.strip() for p in ident.value.split(",")]
        lat, lon = Decimal(lat_s), Decimal(lon_s)
    except (ValueError, InvalidOperation):
        return
    if not (abs(lat) <= 90 and abs(lon) <= 180):
        return
    yield Variant(f"{lat_s},{lon_s}", (), ident)
    for name, coord, original in (("lat", lat, lat_s), ("lon", lon, lon_s)):
        for text, places, how in _decimal_forms(coord, min_decimals):
            steps = (name,) if text == original else (name, how)
            yield Variant(text, steps, ident, needs_context=places < standalone_decimals, coordinate=name)
        micro = int((coord * 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        e7 = int((coord * 10_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        yield Variant(str(micro), (name, "microdegrees"), ident, coordinate=name)
        yield Variant(str(e7), (name, "e7"), ident, coordinate=name)
    for lat_t, places, how in _decimal_forms(lat, min_decimals):
        lon_t = next(t for t, p, h in _decimal_forms(lon, places) if h == how)
        # both coordinates side by side are evidence enough, even at two decimals
        yield Variant(f"{lat_t},{lon_t}", (how,), ident)
        yield Variant(f"{lon_t},{lat_t}", (how, "swap"), ident)


def _utf8(text: str) -> bytes:
    # surrogatepass: code points map one-to-one onto bytes, so a byte match is a text match
    return text.encode("utf-8", "surrogatepass")


def _char_offsets(data: bytes, positions: Iterable[int]) -> dict[int, int]:
    """Byte offset -> character offset, for offsets on character boundaries of data."""
    out: dict[int, int] = {}
    byte_at = char_at = 0
    for pos in sorted(set(positions)):
        char_at += len(data[byte_at:pos].decode("utf-8", "surrogatepass"))
        byte_at = pos
        out[pos] = char_at
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")
_WORD_BYTES = frozenset(b"0123456789"), frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _same_class_bytes(a: int, b: int) -> bool:
    """_same_class for ASCII bytes; a non-ASCII byte may be a letter, so it never cuts a hit here."""
    return any(a in cls and b in cls for cls in _WORD_BYTES)


class VariantAutomaton:
    """Every distinct variant text in one byte-level Aho-Corasick automaton.

    A key (pattern index) maps to every variant spelled that way. Texts are matched as
    their UTF-8 bytes, so a message is searched as it came off the wire, without
    building a Python string for it.
    """

    def __init__(self, variants: Iterable[Variant]) -> None:
        table: dict[str, list[Variant]] = {}
        for v in variants:
            table.setdefault(v.text, []).append(v)
        self.texts: list[str] = list(table)
        self.variants: list[tuple[Variant, ...]] = [tuple(vs) for vs in table.values()]
        patterns = [_utf8(t) for t in self.texts]
        # raw message bytes may be searched as they are only when no pattern holds a lone surrogate
        self.raw_safe = not any(_SURROGATE.search(t) for t in self.texts if not t.isascii())
        self._matcher = ahocorasick_rs.BytesAhoCorasick(patterns) if patterns else None
        self.shortest = min(map(len, self.texts), default=0)  # in characters

    def __len__(self) -> int:
        return len(self.texts)

    def whole_words(self, data: bytes, hits: list[tuple[int, int, int]]) -> Iterator[tuple[Variant, ...]]:
        """The variants of the hits in data that cut through no ASCII word; a hit next to a
        non-ASCII character is kept (``IdentifierSet.find`` decides on the leaf)."""
        n = len(data)
        for key, start, end in hits:
            if (start > 0 and _same_class_bytes(data[start - 1], data[start])) or (
                    end < n and _same_class_bytes(data[end - 1], data[end])):
                continue
            yield self.variants[key]

    def hits(self, data: bytes) -> list[tuple[int, int, int]]:
        """(key, start, end) in bytes of every occurrence, overlapping ones included."""
        if self._matcher is None or not data:
            return []
        return self._matcher.find_matches_as_indexes(data, overlapping=True)


@dataclass
class IdentifierSet:
    identifiers: list[Identifier] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    min_variant_len: int = 6
    _automaton: VariantAutomaton | None = None
    _known_values: frozenset[str] | None = None

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, str]], *, min_variant_len: int = 6,
              location_min_decimals: int = 2, location_standalone_decimals: int = 4) -> "IdentifierSet":
        """From (kind, value, source) triples; generic and too-short values are skipped."""
        if not 1 <= location_min_decimals <= 7:
            raise ValueError("location_min_decimals must be between 1 and 7")
        out = cls(min_variant_len=min_variant_len)
        seen_ids: set[tuple[str, str]] = set()
        seen_variants: set[tuple[str, str, str]] = set()
        for kind, value, source in items:
            value = (value or "").strip()
            if (kind, value) in seen_ids or _is_generic(value):
                continue
            seen_ids.add((kind, value))
            ident = Identifier(kind, value, source)
            out.identifiers.append(ident)
            if kind == "location":
                produced: Iterable[Variant] = _location_variants(ident, location_min_decimals, location_standalone_decimals)
            else:
                produced = out._value_variants(ident)
            for v in produced:
                key = (v.text, kind, value)
                if key in seen_variants:
                    continue
                # coordinates are short by nature; their false positives are handled by needs_context
                if len(v.text) < min_variant_len and (kind != "location" or len(v.text) < 4) and not _long_enough_name(kind, v.text, min_variant_len):
                    continue
                seen_variants.add(key)
                out.variants.append(v)
        return out

    @staticmethod
    def _value_variants(ident: Identifier) -> Iterator[Variant]:
        for plain, steps in _plain_forms(ident.kind, ident.value):
            yield Variant(plain, steps, ident)
            for text, enc in _encodings(plain):
                yield Variant(text, steps + enc, ident)
            for text, dig in _digests(plain):
                yield Variant(text, steps + dig, ident)

    @property
    def automaton(self) -> VariantAutomaton:
        """All variant texts in one automaton, built on first use."""
        if self._automaton is None:
            self._automaton = VariantAutomaton(self.variants)
        return self._automaton

    def find(self, text: str) -> Iterator[tuple[int, int, tuple[Variant, ...]]]:
        """(start, end, variants) of every hit whose edges do not cut through a word; offsets in characters."""
        if not self.variants:
            return
        automaton = self.automaton
        data = _utf8(text)
        hits = automaton.hits(data)
        if not hits:
            return
        chars = None if len(data) == len(text) else _char_offsets(data, (p for _, s, e in hits for p in (s, e)))
        n = len(text)
        for key, start, end in hits:
            if chars is not None:
                start, end = chars[start], chars[end]
            if start > 0 and _same_class(text[start - 1], text[start]):
                continue
            if end < n and _same_class(text[end - 1], text[end]):
                continue
            yield start, end, automaton.variants[key]

    def texts_in(self, data: bytes | str) -> Iterator[tuple[Variant, ...]]:
        """The variants of every hit in a message, overlapping ones included, searched as
        bytes (a str as its UTF-8)."""
        if not self.variants:
            return
        automaton = self.automaton
        if isinstance(data, str) or not automaton.raw_safe:
            data = _utf8(data if isinstance(data, str) else data.decode("utf-8", "surrogateescape"))
        for key, _, _ in automaton.hits(data):
            yield automaton.variants[key]

    @property
    def known_values(self) -> frozenset[str]:
        """Lower-cased identifier values (detections of these are not reported twice)."""
        if self._known_values is None:
            self._known_values = frozenset(i.value.lower() for i in self.identifiers)
        return self._known_values

    def __len__(self) -> int:
        return len(self.variants)

    def variants_file(self, path: str | Path) -> int:
        """Write every distinct variant text, one per line; returns how many."""
        texts = sorted({v.text for v in self.variants})
        Path(path).write_text("".join(t + "\n" for t in texts), encoding="utf-8")
        return len(texts)


def _long_enough_name(kind: str, text: str, min_len: int) -> bool:
    """A contact's name in Chinese is two or three characters: as distinctive as six
    ASCII characters, so it is measured in UTF-8 bytes."""
    return kind == "contacts" and not text.isascii() and len(text.encode("utf-8")) >= min_len
