"""The session store (SQLAlchemy 2; SQLite by default, PostgreSQL alike)."""

from analyzer.store import models_campaign  # noqa: F401 - campaign tables join the metadata
from analyzer.rules.identifiers import identifiers_in_event
from analyzer.store.sessions import SessionNotFound, validate_session_name
from analyzer.store.store import Store, open_store
from analyzer.store.db import StoreError, default_url, resolve_url

__all__ = [
    "SessionNotFound",
    "Store",
    "StoreError",
    "default_url",
    "identifiers_in_event",
    "open_store",
    "resolve_url",
    "validate_session_name",
]
