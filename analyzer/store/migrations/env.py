"""Alembic environment: migrations run on the connection handed in by analyzer.store.db.migrate."""

from alembic import context

from analyzer.store import models_campaign  # noqa: F401 - campaign tables
from analyzer.store.models import Base
import analyzer.store.models_ui  # noqa: F401,E402 - UI evidence tables in the same metadata
import analyzer.store.models_evidence  # noqa: F401 - evidence tables join the metadata
import analyzer.store.models_triage  # noqa: F401 - triage tables join the metadata

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    # `alembic revision --autogenerate` from a developer shell: use CONSENTRY_DB or the default.
    from analyzer.store.db import make_engine, resolve_url

    engine = make_engine(resolve_url(None))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
