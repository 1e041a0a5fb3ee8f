"""One transaction around many store calls: all of them happen, or none.

An import creates the session, writes flows in batches, events and the import history;
if any step fails the store must be exactly as before, so a half-imported session never
shows pre-consent "violations" that are not in the input. Inside ``one_transaction``
every ``Store`` call made by this thread joins the same database transaction.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Iterator

_UNITS: contextvars.ContextVar[dict[int, object] | None] = contextvars.ContextVar("consentry_store_unit", default=None)


def current_unit(store) -> object | None:
    units = _UNITS.get()
    return units.get(id(store)) if units else None


@contextmanager
def one_transaction(store) -> Iterator[None]:
    """Run the block in one transaction on ``store`` (nested calls join the outer one)."""
    if current_unit(store) is not None:
        yield
        return
    with store._sessions() as s, s.begin():
        token = _UNITS.set({**(_UNITS.get() or {}), id(store): s})
        try:
            yield
        finally:
            _UNITS.reset(token)
