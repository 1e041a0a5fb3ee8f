"""Opaque keyset-pagination cursors: the sort key of the last row shown, URL-safe.

A page asks for rows after (or before) that key, so page N costs what page 1 costs
and nothing loads all rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any


class BadCursor(ValueError):
    """A cursor that was not made by encode()."""


def encode(*values: Any) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, *kinds: type) -> list[Any] | None:
    """The values of a cursor, each of the given kind (``datetime`` from ISO text); None for no cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, TypeError):
        raise BadCursor("invalid page cursor") from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise BadCursor("invalid page cursor")
    out = []
    for value, kind in zip(values, kinds):
        if kind is dt.datetime and isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                raise BadCursor("invalid page cursor") from None
            if value.tzinfo is None:
                raise BadCursor("invalid page cursor")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise BadCursor("invalid page cursor")
        out.append(value)
    return out
