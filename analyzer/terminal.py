"""Text from captured data made safe to print on a terminal.

Entry names, URLs, hosts and headers come from the traffic or from files anyone can
craft: printed raw, an escape sequence in them could move the cursor, erase a line or
recolour the output, and so forge what a command reports. Control characters (C0, DEL,
C1), bidirectional overrides and lone surrogates are shown as visible escapes instead.
"""

from __future__ import annotations

import re

# C0 except nothing, DEL, C1, bidi embeddings/overrides/isolates, line/paragraph separators
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, limit: int | None = 500) -> str:
    """``text`` on one line with every control character written as ``\\xNN`` / ``\\uNNNN``."""
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:
        value = value[:limit] + "…"
    if value.isprintable() and value.isascii():
        return value
    return _UNSAFE.sub(_escape, value)
