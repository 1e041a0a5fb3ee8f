"""Shared fixtures: stores on SQLite and PostgreSQL, and a CLI runner.

PostgreSQL tests use a throw-away database on 127.0.0.1:5432 (user postgres); they
are skipped only when no server answers there. CI starts one, so they run there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from built_once import built_once

REPO = Path(__file__).resolve().parent.parent
MITMDUMP = Path(sys.executable).with_name("mitmdump")
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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty SQLite store at the newest schema, made once per test run. A test's own
    store is a copy of it: a fresh store runs every migration (~0.4 s, mostly fsyncs)."""
    from sqlalchemy import text

    from analyzer.store import open_store

    def build(directory: Path) -> None:
        store = open_store(f"sqlite:///{directory / 'store.db'}")
        with store.engine.begin() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # everything in the main file: it is copied alone
        store.engine.dispose()

    return built_once(tmp_path_factory, "sqlite-template", build) / "store.db"


def fresh_sqlite_url(template: Path, path: Path) -> str:
    """sqlite:///PATH of an empty store at the newest schema (a copy of the template)."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A store URL on each backend, empty for every test."""
    if request.param == "sqlite":
        return fresh_sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path / "store.db")
    url = request.getfixturevalue("pg_database_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    """An empty SQLite store at the newest schema."""
    return fresh_sqlite_url(sqlite_template, tmp_path / "store.db")


@pytest.fixture
def store(store_url):
    from analyzer.store import open_store

    return open_store(store_url)


@pytest.fixture
def cli_db(tmp_path, sqlite_template) -> str:
    """The store `cli` uses unless told otherwise: empty, at the newest schema."""
    path = tmp_path / "cli.db"
    return f"sqlite:///{path}" if path.exists() else fresh_sqlite_url(sqlite_template, path)


@pytest.fixture
def cli(tmp_path, cli_db):
    """Run `consentry ARGS` in this process (tests/inprocess.py): the console script's entry
    point, exit codes and output, with the environment a fresh process of ``console_script``
    would get. ``timeout`` is accepted for symmetry; pytest-timeout bounds a hung test."""
    from inprocess import run_cli

    def run(*args: str, db: str | None = None, input: str | None = None, timeout: float = 300, env: dict | None = None):
        full_env = {"CONSENTRY_DB": db or cli_db}
        if "XDG_DATA_HOME" not in os.environ:
            full_env["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
        full_env.update(env or {})
        return run_cli(*args, env=full_env, cwd=tmp_path, input=input)

    return run


@pytest.fixture
def console_script(tmp_path):
    """Run the real `consentry` console script in a subprocess; returns CompletedProcess.
    For the end-to-end tests of each command family; the others use ``cli``."""

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


# -- the lab network: compiled lab classes, a lab backend, a real mitmdump running
# addons/labnet.py in front of it, and a Java trust store with that mitmdump's CA.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mitmdump exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("mitmdump did not start listening")


@dataclass
class LabNetwork:
    backend: Any  # analyzer.lab.backend.LabBackend, imported where the fixture runs
    proxy: tuple[str, int]
    truststore: Path
    mitm_ca: Path
    log: Path


@pytest.fixture(scope="session")
def lab_classes() -> Path:
    from analyzer.lab.build import ensure_built

    return ensure_built()


@pytest.fixture(scope="session")
def lab_network(tmp_path_factory, lab_classes) -> LabNetwork:
    """One per test process: every user clears the backend before a run (backend.clear())."""
    from analyzer.lab.backend import LabBackend
    from analyzer.lab.ca import make_truststore, mitmproxy_ca

    confdir = tmp_path_factory.mktemp("mitmconf")
    mitm_ca = mitmproxy_ca(confdir)
    truststore = make_truststore([mitm_ca], confdir / "truststore.p12")
    port = free_port()
    log = confdir / "mitmdump.log"
    with LabBackend() as backend, open(log, "wb") as log_fh:
        proc = subprocess.Popen(
            [str(MITMDUMP), "-q", "--listen-host", "127.0.0.1", "-p", str(port), "--set", f"confdir={confdir}",
             "-s", str(REPO / "addons" / "labnet.py"), "--set", f"labnet_backend={backend.spec}",
             "--set", f"ssl_verify_upstream_trusted_ca={backend.ca_cert}"],
            stdout=log_fh, stderr=subprocess.STDOUT,
        )
        try:
            wait_listening(port, proc)
            yield LabNetwork(backend, ("127.0.0.1", port), truststore, mitm_ca, log)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(autouse=True, scope="session")
def _lab_device_storage(tmp_path_factory):
    """Lab-device installs and app data go to a throw-away device root, never the user's."""
    root = tmp_path_factory.mktemp("lab-device")
    previous = os.environ.get("CONSENTRY_LAB_DEVICE")
    os.environ["CONSENTRY_LAB_DEVICE"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("CONSENTRY_LAB_DEVICE", None)
    else:
        os.environ["CONSENTRY_LAB_DEVICE"] = previous


# -- order and spread over xdist workers: the longest tests start first (tests/longest_first.py)


def pytest_collection_modifyitems(config, items):
    from longest_first import rank

    slow_modules = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: rank(item.nodeid, slow_modules))  # stable: the order inside a rank is kept


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    from longest_first import auto_workers

    return auto_workers()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "load":  # an explicit --dist strategy is kept
        return None
    from longest_first import make_scheduler

    return make_scheduler(config, log)
