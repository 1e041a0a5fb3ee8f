"""Small, bounded parsers for the containers apps wrap personal data in.

Each returns plain Python data (or None when the input is not in the format) and
never raises on bad input; the walker decides what to do with the result.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import email.utils
import re
import struct
from typing import Any
from urllib.parse import unquote, unquote_plus

import msgpack
from mitmproxy.net.http.headers import parse_content_type

_B64_STD = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_B64_URL = re.compile(r"[A-Za-z0-9_\-]+={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{6,}\.eyJ[A-Za-z0-9_\-]{6,}\.[A-Za-z0-9_\-]*")
_FORM_START = re.compile(r"[A-Za-z_][\w.\-\[\]]{0,63}=")
_MSGPACK_CONTAINER = frozenset([*range(0x80, 0xA0), 0xDC, 0xDD, 0xDE, 0xDF])


_WHITESPACE_DROP = {ord("\r"): None, ord("\n"): None, ord("\t"): None}


def looks_texty(data: bytes) -> str | None:
    """The text, if data is UTF-8 that is mostly printable (not a binary blob)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    sample = text[:512]
    plain = sample.translate(_WHITESPACE_DROP)
    if plain.isprintable() and (len(data) >= 24 or plain.isascii()):
        return text
    if len(data) < 24:
        # a few random bytes are often valid UTF-8 (CJK, Latin-1 letters): short text must be ASCII
        printable = sum(1 for c in sample if " " <= c <= "~" or c in "\r\n\t")
    else:
        printable = sum(1 for c in sample if c.isprintable() or c in "\r\n\t")
    return text if printable >= 0.9 * len(sample) else None


def mostly_text(data: bytes) -> bool:
    """Cheap: is the start of data text rather than binary (images, ciphertext)?"""
    head = data[:1024]
    if not head:
        return False
    return len(head.decode("utf-8", "ignore")) >= 0.9 * len(head) and head.count(0) == 0


def decode_blob(text: str, min_chars: int) -> tuple[str, bytes] | None:
    """(step name, bytes) for a hex or base64 string; None if it is neither."""
    s = text.strip()
    if len(s) < min_chars or len(s) > 64 * 1024 * 1024:
        return None
    if " " in s and "=" not in s.rstrip("="):
        s = s.replace(" ", "+")  # a form decoder turned '+' into spaces
    if len(s) % 2 == 0 and _HEX.fullmatch(s):
        try:
            return "hex", binascii.unhexlify(s)
        except binascii.Error:
            pass
    for step, pattern, decoder in (
        ("base64", _B64_STD, base64.b64decode),
        ("base64url", _B64_URL, base64.urlsafe_b64decode),
    ):
        if pattern.fullmatch(s):
            body = s.rstrip("=")
            if len(body) % 4 == 1:
                return None
            try:
                return step, decoder(body + "=" * (-len(body) % 4))
            except (binascii.Error, ValueError):
                return None
    return None


_BLOB_CLASS = bytes(
    ord("b") if chr(i).isascii() and (chr(i).isalnum() or chr(i) in "+/_-") else ord(" ") for i in range(256)
)
_RUN_START = b"b" * 16  # where a run of 16 base64/hex characters or more starts, once translated
_PROBE_CHARS = 8192  # a multiple of 4 and 2: a base64 or hex prefix decodes on its own


def _blob_runs(data: bytes, classes: bytes):
    """(start, end) of each run of 16 or more base64/hex characters in data, with up to two
    ``=`` after it.

    Found by searching the translated bytes for a literal (a regex with a class repeat
    would try every position of every shorter word).
    """
    size = len(data)
    start = classes.find(_RUN_START)
    while start != -1:
        end = classes.find(b" ", start)
        end = size if end == -1 else end
        if data[end : end + 2] == b"==":
            end += 2
        elif data[end : end + 1] == b"=":
            end += 1
        yield start, end
        start = classes.find(_RUN_START, end)


_HEX_CLASS = bytes(ord("h") if chr(i) in "0123456789abcdefABCDEF" else ord(" ") for i in range(256))
_COMPRESSED_B64 = (b"H4sI", b"KLUv")  # base64 of a gzip or zstd header


def may_hide_text(text: str | bytes, min_chars: int = 16, max_runs: int = 10_000) -> bool:
    """Does text contain a base64/hex run that decodes to text or compressed data?

    Runs are ASCII, so a message is searched as bytes, as it came (a str as its UTF-8):
    no string is built for a binary body, nor for a run that is skipped.
    """
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    classes = data.translate(_BLOB_CLASS)
    if b"b" * min_chars not in classes:
        return False
    hexes = None
    for i, (start, end) in enumerate(_blob_runs(data, classes)):
        if i >= max_runs:
            return True  # too many to check cheaply: let the walker look
        if data.startswith(_COMPRESSED_B64, start):
            return True
        length = end - start
        if length < min_chars:
            continue
        if length < 24 and length % 2 == 0:  # short hex runs are ids and digests: never a hidden document
            hexes = data.translate(_HEX_CLASS) if hexes is None else hexes
            if hexes.find(b" ", start, end) == -1:
                continue
        # the head of a run tells whether it hides text or compressed data: decoding a
        # 30 MB run whole only to look at its first bytes would cost its size several times
        decoded = decode_blob(data[start : min(end, start + _PROBE_CHARS)].decode("ascii"), min_chars)
        if decoded is None:
            continue
        raw = decoded[1]
        if raw[:2] == b"\x1f\x8b" or raw[:4] == b"\x28\xb5\x2f\xfd" or raw[:2] in (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda") or looks_texty(raw) is not None:
            return True
    return False


def split_jwt(text: str) -> list[tuple[str, bytes]] | None:
    """[("jwt:header", bytes), ("jwt:payload", bytes)] of the first JWT in text, else None."""
    m = _JWT.search(text)
    if not m:
        return None
    out = []
    for name, part in zip(("jwt:header", "jwt:payload"), m.group().split(".")[:2]):
        try:
            out.append((name, base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))
        except (binascii.Error, ValueError):
            return None
    return out


def looks_like_form(text: str) -> bool:
    s = text.strip()
    if not s or s[0] in "{[<\"" or "\n" in s[:200]:
        return False
    if _B64_STD.fullmatch(s) or _B64_URL.fullmatch(s):
        return False
    return bool(_FORM_START.match(s))


def split_form(text: str, max_fields: int = 4096) -> list[tuple[str, str]]:
    """x-www-form-urlencoded / query pairs, order kept, blank values kept."""
    pairs = []
    for item in text.split("&", max_fields)[:max_fields]:
        if not item:
            continue
        name, sep, value = item.partition("=")
        pairs.append((unquote_plus(name), unquote_plus(value) if sep else ""))
    return pairs


def split_cookies(header: str) -> list[tuple[str, str]]:
    pairs = []
    for item in header.split(";"):
        name, sep, value = item.strip().partition("=")
        if name and sep:
            pairs.append((name, unquote(value.strip().strip('"'))))
    return pairs


def multipart_parts(body: bytes, content_type: str, max_parts: int) -> list[tuple[str, str, bytes]] | None:
    """[(field name, part content-type, part bytes)] of a multipart body.

    The boundary comes from mitmproxy's Content-Type parser and each part's headers from
    the standard library's MIME parser: a ``filename="..."`` is never taken for the
    field's ``name``. (mitmproxy's own ``decode_multipart`` joins a part's lines without
    their line breaks and drops the part's type, both of which the decoders need.)
    """
    parsed = parse_content_type(content_type)
    boundary = (parsed[2].get("boundary") or "").strip().strip('"') if parsed else None
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    parts = []
    for raw in body.split(delimiter, max_parts + 1)[1 : max_parts + 1]:
        if raw.startswith(b"--"):
            break
        raw = raw[2:] if raw.startswith(b"\r\n") else raw[1:] if raw.startswith(b"\n") else raw
        head, sep, content = raw.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = raw.partition(b"\n\n")
        if not sep:
            continue
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head + b"\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        if isinstance(name, tuple):  # RFC 2231 encoded
            name = email.utils.collapse_rfc2231_value(name)
        ctype = headers.get_content_type() if headers.get("content-type") else ""
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        parts.append((str(name) if name else f"part{len(parts)}", ctype, content))
    return parts


def unpack_msgpack(data: bytes) -> Any:
    """The object a msgpack document holds; None if data is not exactly one document."""
    if not data or data[0] not in _MSGPACK_CONTAINER:
        return None
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=False, unicode_errors="surrogateescape")
    except Exception:  # noqa: BLE001 - msgpack raises many types on hostile input
        return None


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("bad varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def parse_protobuf(data: bytes, max_fields: int) -> list[tuple[int, int, Any]] | None:
    """Schema-less: [(field number, wire type, value)] if data is one whole message.

    Strict on purpose (must consume every byte, known wire types, sane field numbers):
    arbitrary binary rarely passes, so random blobs are not mistaken for messages.
    """
    fields: list[tuple[int, int, Any]] = []
    pos = 0
    try:
        while pos < len(data):
            if len(fields) >= max_fields:
                return None
            key, pos = _varint(data, pos)
            number, wire = key >> 3, key & 7
            if not 0 < number < (1 << 29):
                return None
            if wire == 0:
                value, pos = _varint(data, pos)
            elif wire == 1:
                if pos + 8 > len(data):
                    return None
                value = data[pos : pos + 8]
                pos += 8
            elif wire == 2:
                length, pos = _varint(data, pos)
                if pos + length > len(data):
                    return None
                value = data[pos : pos + length]
                pos += length
            elif wire == 5:
                if pos + 4 > len(data):
                    return None
                value = data[pos : pos + 4]
                pos += 4
            else:
                return None
            fields.append((number, wire, value))
    except ValueError:
        return None
    return fields or None


def fixed64_as_text(value: bytes) -> str | None:
    """A fixed64 field shown as the double it most likely is (coordinates), if plausible."""
    (d,) = struct.unpack("<d", value)
    if d == d and 1e-3 < abs(d) < 1e7:
        return repr(d)
    return None
