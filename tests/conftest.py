"""Shared fixtures: stores on SQLite and PostgreSQL, and a CLI runner.

PostgreSQL tests use a throw-away database on 127.0.0.1:5432 (user postgres); they
are skipped only when no server answers there. CI starts one, so they run there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("CONSENTRY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    if not _pg_available():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    import psycopg

    name = f"consentry_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from analyzer.store import api

    for key in [k for k in api._engines if k.endswith(f"/{name}")]:
        api._engines.pop(key).dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(url: str) -> None:
    from sqlalchemy import text

    from analyzer.store import open_store
    from analyzer.store.models import Base

    store = open_store(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A store URL on each backend, empty for every test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = request.getfixturevalue("pg_database_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def store(store_url):
    from analyzer.store import open_store

    return open_store(store_url)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the real `consentry` console script in a subprocess; returns CompletedProcess."""

    def run(*args: str, db: str | None = None, input: str | None = None, timeout: float = 300, env: dict | None = None):
        full_env = dict(os.environ)
        full_env["CONSENTRY_DB"] = db or f"sqlite:///{tmp_path / 'cli.db'}"
        full_env.setdefault("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
        full_env["PYTHONUNBUFFERED"] = "1"
        if env:
            full_env.update(env)
        exe = Path(sys.executable).parent / "consentry"
        return subprocess.run(
            [str(exe), *args], capture_output=True, text=True, input=input, timeout=timeout, env=full_env, cwd=tmp_path
        )

    return run
