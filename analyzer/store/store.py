"""The store's library API: one class over the aggregates (sessions, blobs, flows,
events and identifiers, analysis runs and findings), each in its own module.

Every other part (capture addon, importers, runner, analyzer, reports) goes through
this class; none of them writes SQL of its own.
"""

from __future__ import annotations

from analyzer.store.base import StoreBase
from analyzer.store.blobs import BlobsMixin
from analyzer.store.db import make_engine, migrate, resolve_url
from analyzer.store.events import EventsMixin
from analyzer.store.findings import FindingsMixin
from analyzer.store.flows import FlowsMixin
from analyzer.store.sessions import SessionsMixin


class Store(SessionsMixin, FlowsMixin, BlobsMixin, EventsMixin, FindingsMixin, StoreBase):
    pass


_engines: dict[str, Store] = {}


def open_store(url: str | None = None, *, migrate_schema: bool = True) -> Store:
    """Open (and migrate) the store at URL; same URL in one process shares the engine."""
    resolved = resolve_url(url)
    store = _engines.get(resolved)
    if store is None:
        engine = make_engine(resolved)
        if migrate_schema:
            migrate(engine)
        store = Store(engine, resolved)
        _engines[resolved] = store
    return store
