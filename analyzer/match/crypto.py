"""Ciphertexts and digests the hooks saw being made, mapped back to their inputs.

The crypto hook reports ``Cipher.doFinal``, ``MessageDigest.digest`` and Base64
calls with their input and output. When traffic carries one of those outputs (raw,
base64 std/url/unpadded or hex), the walker continues with the input instead, and
the chain says how: ``("base64", "aes-cbc-decrypt:AES/CBC/PKCS5Padding", ...)``
or ``("md5-preimage:MD5", ...)`` for a digest the variant table did not predict
(salted hashes, concatenations).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Iterable

import ahocorasick_rs

from analyzer.models.events import CryptoEvent

MIN_OUTPUT_BYTES = 8


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # one-to-one on code points: a byte match is a text match


def _step_name(op: str, algorithm: str) -> str:
    """'aes-cbc-decrypt:AES/CBC/PKCS5Padding', 'md5-preimage:MD5', 'base64-decode:android.util.Base64'."""
    if op == "encode":
        lowered = algorithm.lower()
        family = "base64" if "base64" in lowered else "hex" if "hex" in lowered else "encoding"
        return f"{family}-decode:{algorithm}" if algorithm else f"{family}-decode"
    family = "-".join(p.lower() for p in algorithm.split("/")[:2] if p and p.lower() != "none") or "cipher"
    family = family.replace("sha-", "sha")
    return f"{family}-decrypt:{algorithm}" if op == "encrypt" else f"{family}-preimage:{algorithm}"


@dataclass
class CryptoIndex:
    """Output forms (text) → (decode steps, plaintext); raw outputs kept for binary bodies."""

    by_text: dict[str, list[tuple[tuple[str, ...], bytes]]] = field(default_factory=dict)
    by_raw: dict[bytes, list[tuple[tuple[str, ...], bytes]]] = field(default_factory=dict)
    _automaton: tuple[list[str], ahocorasick_rs.BytesAhoCorasick | None] | None = None  # (keys, their automaton)

    @classmethod
    def build(cls, events: Iterable[CryptoEvent]) -> "CryptoIndex":
        index = cls()
        for ev in events:
            if ev.op not in ("encrypt", "encode", "digest"):
                continue
            plain, out = _b64(ev.input_b64), _b64(ev.output_b64)
            if not plain or not out or len(out) < MIN_OUTPUT_BYTES:
                continue
            step = _step_name(ev.op, ev.algorithm)
            if ev.op == "encode":
                # the output of an encode call is itself text (e.g. android.util.Base64)
                index._add_text(out.decode("latin-1").strip(), (step,), plain)
                continue
            index.by_raw.setdefault(out, []).append(((step,), plain))
            std = base64.b64encode(out).decode()
            url = base64.urlsafe_b64encode(out).decode()
            for text, how in ((std, "base64"), (url, "base64url"), (std.rstrip("="), "base64"),
                              (url.rstrip("="), "base64url"), (out.hex(), "hex"), (out.hex().upper(), "hex")):
                index._add_text(text, (how, step), plain)
        return index

    def _add_text(self, text: str, steps: tuple[str, ...], plain: bytes) -> None:
        entries = self.by_text.setdefault(text, [])
        if (steps, plain) not in entries:
            entries.append((steps, plain))
        self._automaton = None

    def __len__(self) -> int:
        return len(self.by_raw) + len(self.by_text)

    @property
    def automaton(self) -> tuple[list[str], ahocorasick_rs.BytesAhoCorasick | None]:
        """The text forms of 8 characters or more, and one byte-level automaton over them."""
        if self._automaton is None:
            keys = [text for text in self.by_text if len(text) >= 8]
            matcher = ahocorasick_rs.BytesAhoCorasick([_utf8(k) for k in keys]) if keys else None
            self._automaton = (keys, matcher)
        return self._automaton

    def _found(self, text: str | bytes) -> list[tuple[str, int]]:
        """(key, end offset in bytes) of every known output form in text (bytes: a message as it
        came; the forms hold no lone surrogate, so its bytes match as its decoded text would)."""
        keys, matcher = self.automaton
        if matcher is None:
            return []
        data = _utf8(text) if isinstance(text, str) else text
        return [(keys[i], end) for i, _, end in matcher.find_matches_as_indexes(data, overlapping=True)]

    def hits(self, text: str | bytes) -> bool:
        """Cheap test: does text contain any known output form?"""
        return bool(self.by_text) and bool(self._found(text))

    # PlaintextSource protocol (analyzer.decode.walk) ------------------------------
    def plaintexts_in_text(self, text: str) -> list[tuple[tuple[str, ...], bytes]]:
        if not self.by_text:
            return []
        found: list[tuple[tuple[str, ...], bytes]] = []
        longest: dict[int, str] = {}
        for key, end in self._found(text):
            # of forms ending at the same place (padded/unpadded), keep the longest
            if len(key) > len(longest.get(end, "")):
                longest[end] = key
        for key in dict.fromkeys(longest.values()):
            for entry in self.by_text[key]:
                if entry not in found:
                    found.append(entry)
        return found

    def plaintexts_in_bytes(self, data: bytes) -> list[tuple[tuple[str, ...], bytes]]:
        found: list[tuple[tuple[str, ...], bytes]] = []
        for out, entries in self.by_raw.items():
            if out in data:
                found.extend(e for e in entries if e not in found)
        return found
