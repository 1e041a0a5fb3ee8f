"""Opaque keyset-pagination cursors: the sort key of the last row shown, URL-safe.

A page asks for rows after (or before) that key, so page N costs what page 1 costs
and nothing loads all rows.
"""

from __future__ import annotations

import base64
import json
from typing import Any


class BadCursor(ValueError):
    """A cursor that was not made by encode()."""


def encode(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        raise BadCursor("invalid page cursor") from None
    if not isinstance(values, list) or len(values) != arity:
        raise BadCursor("invalid page cursor")
    return values
