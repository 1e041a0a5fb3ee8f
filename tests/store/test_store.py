"""The store on SQLite and PostgreSQL: every test runs on both backends."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from analyzer.models import ApiCallEvent, ConsentEvent, FlowRecord, UnknownEvent, WebSocketRecord, parse_event
from analyzer.models.report import Finding
from analyzer.store import SessionNotFound, StoreError, open_store
from analyzer.store.db import schema_revision
from analyzer.store.writer import BatchWriter

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _flow(i: int = 0, body: bytes = b"", **kw) -> FlowRecord:
    return FlowRecord(method="POST", url=f"https://api.example.com/v1/x?i={i}", ts_start=T0 + dt.timedelta(seconds=i), request_body=body, **kw)


def test_migrations_are_applied_to_head(store):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from analyzer.store.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1  # one chain of migrations
    assert schema_revision(store.engine) == heads[0]


def test_session_create_get_update_list(store):
    s = store.create_session("s1", app=("com.labshop.leaky", "1.2.0"), device={"kind": "lab", "name": "jvm", "frida": "17"}, consent_choice="accept")
    assert s.app.package == "com.labshop.leaky" and s.app.version == "1.2.0"
    assert s.device.kind == "lab" and s.device.info == {"frida": "17"}
    with pytest.raises(StoreError, match="already exists"):
        store.create_session("s1")
    assert store.ensure_session("s1").id == s.id
    store.update_session("s1", status="finished", clock_offset_ms=12.5, clock_uncertainty_ms=3.0)
    again = store.get_session("s1")
    assert (again.status, again.clock_offset_ms, again.clock_uncertainty_ms) == ("finished", 12.5, 3.0)
    with pytest.raises(StoreError, match="unknown session status"):
        store.update_session("s1", status="bogus")
    store.create_session("s2", app=("com.other", "1"))
    assert [r.name for r in store.list_sessions(app="com.labshop.leaky")] == ["s1"]
    with pytest.raises(SessionNotFound):
        store.get_session("missing")


@pytest.mark.parametrize("bad", ["", "a/b", "x\ny", " lead", "x" * 201])
def test_session_names_are_validated(store, bad):
    with pytest.raises(StoreError, match="invalid session name"):
        store.create_session(bad)


def test_timestamps_are_utc_aware_with_microseconds(store):
    s = store.create_session("t")
    store.add_flows(s.id, [_flow(0)])
    (f,) = list(store.iter_flows(s.id))
    assert f.ts_start == T0 and f.ts_start.tzinfo is not None and f.ts_start.microsecond == 123456
    with pytest.raises(Exception, match="naive"):
        store.add_flows(s.id, [FlowRecord(method="GET", url="http://x/", ts_start=dt.datetime(2026, 1, 1))])


def test_flows_round_trip_with_headers_bodies_and_websocket(store):
    s = store.create_session("rt")
    body = bytes(range(256)) * 10
    ws = [WebSocketRecord(from_client=True, content=b"hello \xff", is_text=False, ts=T0), WebSocketRecord(from_client=False, content=b"{}", is_text=True, ts=T0)]
    src = _flow(
        1, body, request_headers=[("X-A", "1"), ("x-a", "2"), ("Cookie", "k=v")], status_code=201, reason="Created",
        response_headers=[("Content-Encoding", "gzip")], response_body=b"\x1f\x8b", tls=True, tls_version="TLSv1.3",
        sni="api.example.com", http_version="HTTP/2.0", error=None, websocket=ws, meta={"note": "x"},
    )
    (fid,) = store.add_flows(s.id, [src])
    got = store.get_flow(fid)
    assert got.request_headers == [("X-A", "1"), ("x-a", "2"), ("Cookie", "k=v")]
    assert got.request_body == body and got.response_body == b"\x1f\x8b"
    assert (got.status_code, got.reason, got.tls_version, got.sni, got.http_version) == (201, "Created", "TLSv1.3", "api.example.com", "HTTP/2.0")
    assert [(w.from_client, w.content, w.is_text) for w in got.websocket] == [(True, b"hello \xff", False), (False, b"{}", True)]
    assert got.host == "api.example.com" and got.meta == {"note": "x"}
    assert list(store.iter_flows(s.id))[0].request_body == body


def test_bodies_are_stored_once(store):
    s = store.create_session("dedup")
    blob = b"x" * 50_000
    store.add_flows(s.id, [_flow(i, blob) for i in range(5)])
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from bodies")).scalar() == 1


def test_large_bodies_are_truncated_with_a_flag_never_dropped(store_url):
    from analyzer.store.store import Store

    base = open_store(store_url)
    small = Store(base.engine, base.url, max_body_bytes=1000)
    s = small.create_session("cap")
    (fid,) = small.add_flows(s.id, [_flow(0, b"a" * 5000)])
    got = small.get_flow(fid)
    assert got.request_truncated and len(got.request_body) == 1000 and got.request_body_size == 5000


def test_events_get_workstation_time_and_feed_identifiers(store):
    s = store.create_session("ev")
    store.update_session("ev", clock_offset_ms=1500.0)
    evs = [
        parse_event({"type": "api_call", "ts": 10_000, "api": "android.telephony.TelephonyManager.getImei", "kind": "imei", "ret": "356938035643809", "stack": ["com.umeng.A.b(A.java:1)"]}),
        parse_event({"type": "identifier", "ts": 10_001, "kind": "android_id", "value": "9774d56d682e549c", "source": "hook"}),
        parse_event({"type": "brand_new_type", "ts": 10_002, "x": 1}),
        parse_event({"type": "consent", "ts": 11_000, "action": "granted", "source": "ui"}),
    ]
    assert store.add_events(s.id, evs) == 4
    rows = list(store.iter_events(s.id))
    assert [r.type for r in rows] == ["api_call", "identifier", "brand_new_type", "consent"]
    assert rows[0].ts == dt.datetime.fromtimestamp(8.5, UTC)  # 10 s device time minus 1.5 s offset
    assert rows[2].warning and "unknown event type" in rows[2].warning and rows[2].data == {"type": "brand_new_type", "ts": 10_002, "x": 1}
    assert {(i.kind, i.value, i.source) for i in store.identifiers(s.id)} == {("imei", "356938035643809", "hook"), ("android_id", "9774d56d682e549c", "hook")}
    assert [r.type for r in store.iter_events(s.id, types=["consent"])] == ["consent"]
    # parsed on the way out: the typed event, and its workstation time in epoch ms
    assert isinstance(rows[0].event, ApiCallEvent) and rows[0].event.ret == "356938035643809"
    assert isinstance(rows[2].event, UnknownEvent) and isinstance(rows[3].event, ConsentEvent)
    assert rows[0].ts_ms == 8_500.0 and rows[0].clock == "device"
    assert rows[0].workstation_ms(9_000) == 7_500.0  # another time of the same source, same offset
    assert store.add_identifier(s.id, "imei", "356938035643809") is False
    assert store.add_identifier(s.id, "email", "a@b.example") is True


def test_an_event_stored_by_an_older_version_that_no_longer_validates_comes_back_unknown(store):
    from analyzer.store import models as m

    s = store.create_session("old")
    with store.session() as db:  # as an older version might have stored it: no action
        db.add(m.Event(session_id=s.id, seq=1, type="consent", ts_source_ms=1000.0,
                       ts=dt.datetime.fromtimestamp(1, UTC), origin="hook", data={"type": "consent", "ts": 1000}))
    (row,) = store.iter_events(s.id)
    assert isinstance(row.event, UnknownEvent) and "action" in row.event.warning
    assert row.data == {"type": "consent", "ts": 1000}  # kept verbatim for exports


def test_concurrent_writers_do_not_lose_events(store):
    s = store.create_session("conc")
    ev = parse_event({"type": "lifecycle", "ts": 1, "state": "foreground"})

    def writer():
        for _ in range(10):
            store.add_events(s.id, [ev, ev])

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = list(store.iter_events(s.id))
    assert len(rows) == 80 and sorted(r.seq for r in rows) == list(range(1, 81))


def test_batch_writer_flushes_everything(store):
    s = store.create_session("bw")
    w = BatchWriter(store, s.id, interval=0.05, batch_size=7)
    for i in range(123):
        w.put_flow(_flow(i, f"body {i}".encode()))
        w.put_event(parse_event({"type": "lifecycle", "ts": i, "state": "foreground"}))
    w.close()
    assert store.counts(s.id)["flows"] == 123 and store.counts(s.id)["events"] == 123
    assert [f.request_body for f in store.iter_flows(s.id, batch=10)] == [f"body {i}".encode() for i in range(123)]
    assert not w.errors


def test_analysis_runs_replace_the_current_one(store):
    s = store.create_session("an")
    (fid,) = store.add_flows(s.id, [_flow(0)])
    finding = Finding.model_validate({
        "id": "f1", "rule": "pre-consent-transmission", "phase": "pre_consent", "pii_type": "imei", "ts": T0.isoformat(),
        "flow": {"id": fid, "url": "https://t.example/", "method": "POST", "host": "t.example", "ts": T0.isoformat()},
        "confidence": "high"})
    r1 = store.start_run(s.id, "2026.11.1", "0.1.0")
    assert store.current_run(s.id) is None
    store.finish_run(r1, [finding], stats={"flows": 1}, verdicts={"pre-consent-transmission": 1})
    r2 = store.start_run(s.id, "2026.11.2", "0.1.0")
    store.finish_run(r2, [], stats={}, verdicts={})
    cur = store.current_run(s.id)
    assert cur.id == r2 and cur.ruleset_version == "2026.11.2"
    assert store.findings(r1) == [finding] and store.findings(r2) == []
    assert [r.ruleset_version for r in store.runs(s.id)] == ["2026.11.1", "2026.11.2"]


def test_deleting_a_session_keeps_only_bodies_still_in_use(store):
    keep = store.create_session("keep")
    store.add_flows(keep.id, [_flow(0, b"shared body")])
    gone = store.create_session("gone")
    ws = [WebSocketRecord(from_client=True, content=b"ws only", is_text=True, ts=T0)]
    store.add_flows(gone.id, [_flow(0, b"shared body"), _flow(1, b"own body", websocket=ws)])
    store.delete_session("gone")
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from bodies")).scalar() == 1
    assert [f.request_body for f in store.iter_flows(keep.id)] == [b"shared body"]


def test_deleting_a_session_cascades(store):
    s = store.create_session("del")
    store.add_flows(s.id, [_flow(0, b"zz")])
    store.add_events(s.id, [parse_event({"type": "lifecycle", "ts": 1, "state": "start"})])
    store.delete_session("del")
    with store.engine.connect() as conn:
        assert conn.execute(text("select count(*) from flows")).scalar() == 0
        assert conn.execute(text("select count(*) from events")).scalar() == 0


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url):
    store = open_store(sqlite_url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_bad_store_urls_are_one_line_errors(tmp_path):
    with pytest.raises(StoreError, match="unsupported database"):
        open_store("mysql://x/y")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path}/no/such/dir/x.db")
    with pytest.raises(StoreError, match="cannot open"):
        open_store("postgresql+psycopg://postgres@127.0.0.1:1/none")
