"""The store's plumbing every aggregate shares: the engine, transactions, retries."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from analyzer.models.events import Event
from analyzer.store.blobs import max_body_from_env
from analyzer.store.faults import is_retryable
from analyzer.store.unit import current_unit

# (kind, value, source) triples an event reveals; the rule itself lives in
# analyzer.rules.identifiers, the store only applies what it is given.
IdentifierRule = Callable[[Event], list[tuple[str, str, str]]]


class StoreBase:
    def __init__(
        self,
        engine: Engine,
        url: str,
        *,
        max_body_bytes: int | None = None,
        identifiers_of: IdentifierRule | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self.max_body_bytes = max_body_from_env() if max_body_bytes is None else max_body_bytes
        if identifiers_of is None:
            from analyzer.rules.identifiers import identifiers_in_event as identifiers_of
        self.identifiers_of = identifiers_of
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[OrmSession]:
        outer = current_unit(self)  # inside one_transaction(): every call joins it
        if outer is not None:
            yield outer
            return
        with self._sessions() as s, s.begin():
            yield s

    def _retrying(self, work, attempts: int = 8):
        """Run a write transaction, retrying when a concurrent writer took our sequence numbers."""
        if current_unit(self) is not None:  # a failure aborts the whole unit: nothing to retry alone
            with self.session() as s:
                return work(s)
        for attempt in range(attempts):
            try:
                with self.session() as s:
                    return work(s)
            except (IntegrityError, OperationalError) as exc:
                if not is_retryable(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
