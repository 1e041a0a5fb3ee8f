"""Portable column types: timezone-aware UTC timestamps on every backend."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.types import JSON
from sqlalchemy.dialects.postgresql import JSONB

UTC = dt.timezone.utc

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC with microseconds; always returns an aware datetime.

    SQLite has no time zone support, so values are normalised to UTC and stored
    naive there; a naive datetime handed in is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def from_epoch_ms(ms: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000.0, UTC)


def to_epoch_ms(value: dt.datetime) -> float:
    return value.timestamp() * 1000.0
