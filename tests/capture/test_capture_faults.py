"""Capture faults are loud and lose nothing that could be kept (docs/capture.md).

Real mitmdump processes, a real PostgreSQL (each test that changes the server's view of a
database gets its own database), a TCP relay in front of PostgreSQL to take the store
away and bring it back. Each test prints its figure (forwarded vs stored).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from analyzer.capture import upstream as upstream_mod
from analyzer.capture.proxy import addon_path, start_proxy
from analyzer.models.flow import FlowRecord
from analyzer.store import open_store
from analyzer.store.spool import Spool
from analyzer.store.writer import AWAY, FAILED, OK, BatchWriter
from inprocess import run_cli
from relay import Relay

pytestmark = pytest.mark.slow
PG_ADMIN = os.environ.get("CONSENTRY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _admin():
    import psycopg

    return psycopg.connect(PG_ADMIN.replace("postgresql+psycopg", "postgresql"), autocommit=True)


@pytest.fixture
def own_pg(request):
    """A PostgreSQL database of this test alone (it may be made read-only or locked)."""
    try:
        _admin().close()
    except Exception:  # noqa: BLE001
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    name = f"consentry_f_{uuid.uuid4().hex[:10]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    from analyzer.store import api

    for key in [k for k in api._engines if k.endswith(f"/{name}")]:
        api._engines.pop(key).dispose()
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(name: str, port: int = 5432) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}"


def _count(url: str, session: str) -> int:
    store = open_store(url)
    return store.counts(store.get_session(session).id)["flows"]


def _standalone(tmp_path: Path, db: str, session: str, *options: str) -> tuple[subprocess.Popen, int, Path]:
    """mitmdump -s addons/capture.py, as docker-compose runs it."""
    ready = tmp_path / f"ready-{uuid.uuid4().hex[:6]}.json"
    log = tmp_path / f"mitmdump-{uuid.uuid4().hex[:6]}.log"
    cmd = [str(Path(sys.executable).parent / "mitmdump"), "--listen-host", "127.0.0.1", "--listen-port", "0",
           "-s", str(addon_path()), "--set", f"confdir={tmp_path / 'conf'}", "--set", f"consentry_db={db}",
           "--set", f"consentry_session={session}", "--set", f"consentry_ready_file={ready}",
           "--set", f"consentry_spool_dir={tmp_path / 'spool'}", "--set", "termlog_verbosity=warn", *options]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "mitmdump did not start"
        time.sleep(0.05)
    return proc, json.loads(ready.read_text())["listen"][0][1], log


def _stop(proc: subprocess.Popen, timeout: float = 120) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout)


def _flow(i: int, **extra) -> FlowRecord:
    return FlowRecord(method="GET", url=f"http://example.test/{i}", ts_start=dt.datetime.now(dt.timezone.utc),
                      status_code=200, **extra)


# -- a bad flow never takes its batch -----------------------------------------------------

@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_out_of_range_status_codes_are_stored_with_their_batch(tmp_path, upstream, store_kind, request):
    url = f"sqlite:///{tmp_path / 's.db'}" if store_kind == "sqlite" else request.getfixturevalue("pg_database_url")
    session = f"odd-{uuid.uuid4().hex[:6]}"
    good, bad = 60, ["9999999999", "99999999999999999999", "4294967296"]
    handle = start_proxy(url, session, confdir=tmp_path / "conf", extra_options={"consentry_batch_interval": 2})
    try:
        with httpx.Client(proxy=handle.url, timeout=20) as client:
            for i in range(good):
                assert client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}").status_code == 200
                if i % 20 == 10:
                    try:  # mitmproxy forwards the status line as is; httpx rightly refuses it
                        client.get(f"http://127.0.0.1:{upstream.http_port}/status/{bad[i // 20]}")
                    except httpx.RemoteProtocolError:
                        pass
    finally:
        assert handle.stop() == 0
    store = open_store(url)
    row = store.get_session(session)
    flows = list(store.iter_flows(row.id, with_bodies=False))
    odd = [f for f in flows if "/status/" in f.url]
    print(f"\n{store_kind}: {good} good + {len(bad)} odd-status flows sent, {len(flows)} stored")
    assert len(flows) == good + len(bad)
    assert sorted(f.meta["unstorable"]["status_code"] for f in odd if f.status_code is None) == sorted(bad)
    assert row.status == "finished"


@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_flow_the_store_refuses_is_stored_in_part_and_alone(tmp_path, store_kind, request):
    url = f"sqlite:///{tmp_path / 's.db'}" if store_kind == "sqlite" else request.getfixturevalue("pg_database_url")
    store = open_store(url)
    row = store.create_session(f"part-{uuid.uuid4().hex[:6]}")
    writer = BatchWriter(store, row.id, interval=30)
    for i in range(100):
        writer.put_flow(_flow(i))
        if i % 40 == 0:  # a naive time: the column type refuses it, whatever we do to the rest
            writer.put_flow(_flow(1000 + i, ts_end=dt.datetime(2024, 1, 1)))
    writer.close()
    flows = list(store.iter_flows(row.id, with_bodies=False))
    partial = [f for f in flows if f.error and f.error.startswith("stored in part")]
    print(f"\n{store_kind}: 103 flows in one batch, 3 refused by the store: {len(flows)} stored, {len(partial)} in part")
    assert len(flows) == 103 and len(partial) == 3 and writer.partial_flows == 3
    assert all(f.url.startswith("http://example.test/10") for f in partial)


# -- the store briefly away ----------------------------------------------------------------

@pytest.mark.postgres
def test_postgres_away_for_seconds_loses_nothing_standalone(tmp_path, upstream, own_pg):
    relay = Relay(("127.0.0.1", 5432)).start()
    open_store(_pg_url(own_pg))  # schema in place before the proxy starts
    proc, port, log = _standalone(tmp_path, _pg_url(own_pg, relay.port), "away",
                                  "--set", "consentry_batch_interval=0.2")
    ok = 0
    try:
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
            def send(n: int) -> None:
                nonlocal ok
                for i in range(n):
                    ok += client.get(f"http://127.0.0.1:{upstream.http_port}/echo?n={ok}").status_code == 200

            send(100)
            time.sleep(0.5)
            relay.stop()  # PostgreSQL "restarts": connections cut, new ones refused
            away_until = time.monotonic() + 4
            while time.monotonic() < away_until:
                send(20)
            relay.start()
            send(100)
    finally:
        assert _stop(proc) == 0, log.read_text()[-2000:]
        relay.stop()
    stored = _count(_pg_url(own_pg), "away")
    print(f"\nPostgreSQL away ~4 s (standalone mitmdump): {ok} forwarded, {stored} stored")
    assert ok > 200 and stored == ok
    assert "store is away" in log.read_text()
    assert open_store(_pg_url(own_pg)).get_session("away").status == "finished"


# -- the store refusing writes for good ---------------------------------------------------

def _make_read_only(name: str, read_only: bool) -> None:
    with _admin() as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if read_only else "off"}')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                     (name,))


@pytest.mark.postgres
def test_read_only_store_blocks_traffic_and_keeps_what_it_forwarded(tmp_path, upstream, own_pg):
    url = _pg_url(own_pg)
    open_store(url)
    proc, port, log = _standalone(tmp_path, url, "ro", "--set", "consentry_batch_interval=0.2")
    forwarded = blocked = 0
    served_at_start = upstream_mod.SERVED[0]
    try:
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
            for i in range(20):
                forwarded += client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}").status_code == 200
            time.sleep(0.6)
            _make_read_only(own_pg, True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until the proxy notices: at most a batch interval or so
                status = client.get(f"http://127.0.0.1:{upstream.http_port}/echo?late").status_code
                if status == 502:
                    break
                forwarded += 1
            served_before = upstream_mod.SERVED[0]
            reached_server = served_before - served_at_start  # incl. one the proxy answered 502 after the fact
            for i in range(30):
                blocked += client.get(f"http://127.0.0.1:{upstream.http_port}/echo?b={i}").status_code == 502
            served_during_block = upstream_mod.SERVED[0] - served_before
    finally:
        assert _stop(proc) == 0
    text = log.read_text()
    print(f"\nread-only store: {forwarded} forwarded before the block, {blocked}/30 answered 502, "
          f"{served_during_block} reached the server while blocked")
    assert blocked == 30 and served_during_block == 0
    assert "STORE FAILED" in text
    # the flows forwarded after the store went read-only wait in the spool; the next start stores them
    _make_read_only(own_pg, False)
    proc, _port, _log = _standalone(tmp_path, url, "ro", "--set", "consentry_batch_interval=0.2")
    assert _stop(proc) == 0
    stored = _count(url, "ro")
    print(f"after the store is writable again: {stored} stored of {reached_server} requests that reached the server")
    assert stored == reached_server >= forwarded


@pytest.mark.postgres
def test_on_store_error_forward_keeps_forwarding_and_is_recorded(tmp_path, upstream, own_pg):
    url = _pg_url(own_pg)
    open_store(url)
    proc, port, log = _standalone(tmp_path, url, "fwd", "--set", "consentry_batch_interval=0.2",
                                  "--set", "consentry_on_store_error=forward")
    try:
        assert open_store(url).get_session("fwd").meta["on_store_error"] == "forward"
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
            client.get(f"http://127.0.0.1:{upstream.http_port}/echo?first")
            time.sleep(0.6)
            _make_read_only(own_pg, True)
            time.sleep(1.5)
            statuses = [client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}").status_code for i in range(20)]
            time.sleep(1.0)
    finally:
        _stop(proc)
        _make_read_only(own_pg, False)
    assert statuses == [200] * 20
    assert "STORE FAILED" in log.read_text() and "NOT recorded" in log.read_text()


# -- processes dying ---------------------------------------------------------------------------

def _wait_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:  # our own child: reap it
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still runs")


def test_sigkill_of_consentry_proxy_leaves_no_orphan_and_loses_nothing(tmp_path, upstream):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    env = dict(os.environ, CONSENTRY_DB=db, PYTHONUNBUFFERED="1", XDG_DATA_HOME=str(tmp_path / "xdg"))
    exe = Path(sys.executable).parent / "consentry"
    proc = subprocess.Popen([str(exe), "proxy", "--session", "killed", "--listen-port", "0", "--confdir",
                             str(tmp_path / "conf"), "--batch-interval", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    header = ""
    while "CA certificate:" not in header:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        header += line
    port = int(header.split("listening on 127.0.0.1:")[1].split(",")[0])
    n = 40
    with httpx.Client(proxy=f"http://127.0.0.1:{port}", timeout=20) as client:
        for i in range(n):
            assert client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}").status_code == 200
    mitmdump_pid = open_store(db).get_session("killed").meta["recorder"]["pid"]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _wait_gone(mitmdump_pid)  # the kernel told it its parent died: it flushed and exited
    stored = _count(db, "killed")
    print(f"\nSIGKILL of `consentry proxy`: {n} forwarded, {stored} stored, mitmdump {mitmdump_pid} gone")
    assert stored == n
    assert open_store(db).get_session("killed").status == "finished"


def test_sigkill_of_mitmdump_loses_at_most_one_batch_and_the_session_is_marked(tmp_path, upstream):
    db = f"sqlite:///{tmp_path / 'hard.db'}"
    interval = 0.5
    handle = start_proxy(db, "hard", confdir=tmp_path / "conf", extra_options={"consentry_batch_interval": interval})
    with httpx.Client(proxy=handle.url, timeout=20) as client:
        for i in range(50):
            client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}")
        time.sleep(interval * 4)  # the first 50 are committed by now
        last_batch_started = time.monotonic()
        sent_late = 0
        while time.monotonic() - last_batch_started < interval * 0.8:
            client.get(f"http://127.0.0.1:{upstream.http_port}/echo?late={sent_late}")
            sent_late += 1
    handle.process.send_signal(signal.SIGKILL)
    handle.process.wait(10)
    handle.stop()
    stored = _count(db, "hard")
    print(f"\nSIGKILL of mitmdump: {50 + sent_late} forwarded, {stored} stored "
          f"(lost {50 + sent_late - stored}, all within the last {interval} s)")
    assert stored >= 50
    assert open_store(db).get_session("hard").status == "recording"
    result = run_cli("sessions", "list", db=db)
    assert result.exit_code == 0, result.stderr
    assert "marked interrupted" in result.stderr
    assert open_store(db).get_session("hard").status == "interrupted"


@pytest.mark.postgres
def test_sigterm_with_a_slow_store_spools_instead_of_being_killed(tmp_path, upstream, own_pg):
    url = _pg_url(own_pg)
    open_store(url)
    spool = tmp_path / "spool"
    opts = {"consentry_batch_interval": 30, "consentry_flush_timeout": 3, "consentry_spool_dir": str(spool)}
    handle = start_proxy(url, "slow", confdir=tmp_path / "conf", extra_options=opts)
    n = 120
    with httpx.Client(proxy=handle.url, timeout=20) as client:
        for i in range(n):
            client.get(f"http://127.0.0.1:{upstream.http_port}/echo?i={i}")
    import psycopg

    locker = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
    locker.execute("LOCK TABLE flows IN ACCESS EXCLUSIVE MODE")  # the store is "busy" for as long as we hold it
    started = time.monotonic()
    code = handle.stop()
    took = time.monotonic() - started
    locker.rollback()
    locker.close()
    print(f"\nSIGTERM with the store locked: mitmdump exited {code} after {took:.1f}s; "
          f"{len(Spool(spool))} batch(es) in the spool")
    assert code == 0 and len(Spool(spool)) >= 1
    handle = start_proxy(url, "slow", confdir=tmp_path / "conf", extra_options=opts)
    handle.stop()
    assert _count(url, "slow") == n and len(Spool(spool)) == 0


# -- store plumbing under concurrency ------------------------------------------------------

@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_processes_migrating_a_fresh_store_at_once(tmp_path, store_kind):
    code = "import sys; from analyzer.store import open_store; open_store(sys.argv[1]); print('ok')"
    for round_ in range(3):
        if store_kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        else:
            name = f"consentry_m_{uuid.uuid4().hex[:10]}"
            with _admin() as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = _pg_url(name)
        procs = [subprocess.Popen([sys.executable, "-c", code, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
        if store_kind != "sqlite":
            with _admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        assert [p.returncode for p in procs] == [0, 0], results


def test_proxy_on_a_busy_port_is_one_line_and_leaves_no_recording_session(tmp_path):
    import socket

    db = f"sqlite:///{tmp_path / 'busy.db'}"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_cli("proxy", "--session", "b", "--listen-port", str(busy.getsockname()[1]),
                         "--confdir", str(tmp_path / "conf"), db=db)
    assert result.exit_code == 2
    assert "already in use" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    session = open_store(db).find_session("b")
    assert session is None or session.status != "recording"


@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_proxies_and_analyze_at_once_lose_nothing(tmp_path, upstream, store_kind, request):
    url = f"sqlite:///{tmp_path / 's.db'}" if store_kind == "sqlite" else request.getfixturevalue("pg_database_url")
    session = f"busy-{uuid.uuid4().hex[:6]}"
    per_proxy = 150
    handles = [start_proxy(url, session, confdir=tmp_path / "conf", extra_options={"consentry_batch_interval": 0.1})
               for _ in range(2)]
    ok = [0, 0]

    def drive(index: int) -> None:
        with httpx.Client(proxy=handles[index].url, timeout=30) as client:
            for i in range(per_proxy):
                ok[index] += client.get(f"http://127.0.0.1:{upstream.http_port}/echo?p={index}&i={i}").status_code == 200

    threads = [threading.Thread(target=drive, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    analyses = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.3)
        result = run_cli("analyze", session, db=url)
        assert result.exit_code == 0, result.stderr
        analyses += 1
    for t in threads:
        t.join()
    for handle in handles:
        assert handle.stop() == 0
    store = open_store(url)
    flows = list(store.iter_flows(store.get_session(session).id, with_bodies=False))
    print(f"\n{store_kind}: 2 proxies x {per_proxy} requests with {analyses} analyses meanwhile: "
          f"{sum(ok)} forwarded, {len(flows)} stored")
    assert sum(ok) == 2 * per_proxy and len(flows) == 2 * per_proxy
    assert len({f.seq for f in flows}) == len(flows)


def test_writer_spools_while_away_and_replays_in_order(tmp_path):
    """In-process: a store URL that cannot be reached keeps everything in the spool."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = open_store(url)
    row = store.create_session("spooled")
    states: list[str] = []
    spool = Spool(tmp_path / "spool")
    db_file = tmp_path / "w.db"
    writer = BatchWriter(store, row.id, interval=0.1, spool=spool, on_state=lambda s, d: states.append(s))
    store.engine.dispose()
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for p in tmp_path.glob("w.db*"):  # the file vanishes: SQLite cannot open it (CANTOPEN)
        p.rename(moved / p.name)
    (tmp_path / "w.db").mkdir()  # a directory where the database was: every open fails
    for i in range(30):
        writer.put_flow(_flow(i))
    assert writer.flush(30)
    assert writer.state in (AWAY, FAILED) and len(spool) >= 1
    (tmp_path / "w.db").rmdir()
    for p in moved.iterdir():
        p.rename(tmp_path / p.name)
    store.engine.dispose()
    for i in range(30, 40):
        writer.put_flow(_flow(i))
    deadline = time.monotonic() + 30
    while (writer.state != OK or len(spool)) and time.monotonic() < deadline:
        writer.flush(5)
        time.sleep(0.2)
    writer.close()
    flows = list(store.iter_flows(row.id, with_bodies=False))
    assert [f.url for f in flows] == [f"http://example.test/{i}" for i in range(40)]
    assert states[0] in (AWAY, FAILED) and states[-1] == OK and db_file.exists()
