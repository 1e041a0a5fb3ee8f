"""Exports (HAR, mitm, events, evidence bundles) and their round trips through the importers."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from analyzer.exporters.bundle import verify_bundle, write_bundle
from analyzer.exporters.events import write_events
from analyzer.exporters.har import write_har
from analyzer.exporters.mitm import write_mitm
from analyzer.importers.har import import_har
from analyzer.importers.mitm import import_mitm
from analyzer.models.events import ConsentEvent, IdentifierEvent, UnknownEvent
from analyzer.models.flow import FlowRecord, WebSocketRecord

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
COMPARED = ("method", "url", "http_version", "request_headers", "request_body", "status_code", "reason",
            "response_headers", "response_body", "ts_start", "ts_request_end", "ts_response_start", "ts_end",
            "tls", "tls_version", "sni", "client_addr", "server_addr", "error")


def _at(ms: float) -> dt.datetime:
    return T0 + dt.timedelta(milliseconds=ms)


def sample_flows() -> list[FlowRecord]:
    return [
        FlowRecord(
            method="POST", url="https://api.example.com/v1/track?uid=42&x=%20y", ts_start=_at(0),
            http_version="HTTP/2.0", request_headers=[("content-type", "application/json"), ("x-dup", "1"), ("x-dup", "2")],
            request_body=b'{"imei":"861234567890123"}', status_code=200, reason="OK",
            response_headers=[("content-encoding", "gzip"), ("content-type", "application/json")],
            response_body=gzip.compress(b'{"ok":true}', mtime=0), ts_request_end=_at(5), ts_response_start=_at(40),
            ts_end=_at(45), tls=True, tls_version="TLSv1.3", sni="api.example.com", client_addr="127.0.0.1:50000",
            server_addr="93.184.216.34:443",
        ),
        FlowRecord(
            method="GET", url="http://tracker.example.net/pixel.gif", ts_start=_at(100),
            request_headers=[("host", "tracker.example.net")], status_code=200,
            response_headers=[("content-type", "image/gif")], response_body=bytes(range(256)),
            ts_request_end=_at(101), ts_response_start=_at(110), ts_end=_at(111),
            client_addr="127.0.0.1:50001", server_addr="10.0.0.1:80",
        ),
        FlowRecord(  # lies: says gzip, is not
            method="PUT", url="https://api.example.com/upload", ts_start=_at(200),
            request_headers=[("content-encoding", "gzip")], request_body=b"plain text, not gzip",
            status_code=204, response_headers=[], ts_request_end=_at(201), ts_response_start=_at(202), ts_end=_at(203),
            tls=True, tls_version="TLSv1.2", sni="api.example.com",
        ),
        FlowRecord(
            method="GET", url="https://down.example.org/", ts_start=_at(300), tls=True,
            error="Server connection to ('down.example.org', 443) failed: connection refused", ts_request_end=_at(300),
            ts_end=_at(301),
        ),
        FlowRecord(
            method="GET", url="http://ws.example.com/socket", ts_start=_at(400),
            request_headers=[("upgrade", "websocket"), ("connection", "Upgrade")], status_code=101,
            reason="Switching Protocols", response_headers=[("upgrade", "websocket")],
            ts_request_end=_at(400), ts_response_start=_at(401), ts_end=_at(500),
            websocket=[
                WebSocketRecord(from_client=True, content=b'{"oaid":"abc"}', is_text=True, ts=_at(410)),
                WebSocketRecord(from_client=False, content=b"\x00\xffbin", is_text=False, ts=_at(420)),
            ],
            meta={"websocket": {"close_code": 1000, "close_reason": "", "closed_by_client": True}},
        ),
    ]


@pytest.fixture
def session(store):
    row = store.create_session("orig", app=("com.example.app", "1.0"), status="finished")
    store.add_flows(row.id, sample_flows())
    store.add_events(row.id, [
        ConsentEvent(ts=T0.timestamp() * 1000 + 50, action="granted", source="ui"),
        IdentifierEvent(ts=T0.timestamp() * 1000, kind="imei", value="861234567890123", source="hook"),
        UnknownEvent(type="future", ts=T0.timestamp() * 1000, raw={"type": "future", "ts": T0.timestamp() * 1000, "z": 1}),
    ], origin="hook")
    return row


def _assert_same_flows(store, a: str, b: str) -> None:
    first = list(store.iter_flows(store.get_session(a).id))
    second = list(store.iter_flows(store.get_session(b).id))
    assert len(first) == len(second) == len(sample_flows())
    for x, y in zip(first, second):
        for field in COMPARED:
            assert getattr(x, field) == getattr(y, field), (x.url, field)
        assert [(m.from_client, m.is_text, m.content, m.ts) for m in x.websocket] == [
            (m.from_client, m.is_text, m.content, m.ts) for m in y.websocket
        ]


def test_har_export_import_round_trip(store, session, tmp_path):
    path = tmp_path / "out.har"
    assert write_har(store, "orig", path) == 5
    doc = json.loads(path.read_text())
    gz_entry = doc["log"]["entries"][0]
    assert gz_entry["response"]["content"]["text"] == '{"ok":true}'  # decoded for HAR readers
    assert doc["log"]["entries"][1]["response"]["content"]["encoding"] == "base64"
    import_har(store, path, "copy")
    _assert_same_flows(store, "orig", "copy")


def test_mitm_export_import_round_trip(store, session, tmp_path):
    path = tmp_path / "out.mitm"
    assert write_mitm(store, "orig", path) == 5
    import_mitm(store, path, "copy")
    _assert_same_flows(store, "orig", "copy")


@pytest.mark.slow
def test_mitmdump_reads_the_export(sqlite_url, tmp_path):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    row = store.create_session("orig")
    store.add_flows(row.id, sample_flows())
    path, rewritten = tmp_path / "out.mitm", tmp_path / "rewritten.mitm"
    write_mitm(store, "orig", path)
    mitmdump = Path(sys.executable).parent / "mitmdump"
    proc = subprocess.run([str(mitmdump), "-n", "-r", str(path), "-w", str(rewritten), "--set", f"confdir={tmp_path}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = import_mitm(store, rewritten, "rewritten")
    assert result.flows == 5 and not result.warnings
    _assert_same_flows(store, "orig", "rewritten")


def test_events_export(store, session, tmp_path):
    path = tmp_path / "events.jsonl"
    assert write_events(store, "orig", path) == 3
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["type"] for e in lines] == ["consent", "identifier", "future"]
    assert lines[2]["z"] == 1
    import_har(store, _empty_har(tmp_path), "with-events", path)
    assert store.counts(store.get_session("with-events").id)["events"] == 3


def _empty_har(tmp_path: Path) -> Path:
    path = tmp_path / "empty.har"
    path.write_text('{"log": {"version": "1.2", "entries": []}}')
    return path


BUNDLE_FILES = {"session.json", "identifiers.json", "events.jsonl", "flows.har", "flows.mitm"}


def test_bundle_contents_and_verify(store, session, tmp_path):
    path = tmp_path / "evidence.zip"
    manifest = write_bundle(store, "orig", path, include_report=False)
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == BUNDLE_FILES | {"manifest.json"}
        session_doc = json.loads(zf.read("session.json"))
        identifiers = json.loads(zf.read("identifiers.json"))
    assert session_doc["name"] == "orig" and session_doc["app"]["package"] == "com.example.app"
    assert session_doc["tool"]["name"] == "consentry" and session_doc["counts"]["flows"] == 5
    assert identifiers == [{"kind": "imei", "value": "861234567890123", "source": "hook", "first_seen": identifiers[0]["first_seen"]}]
    assert set(manifest["files"]) == BUNDLE_FILES and manifest["tool"]["version"]
    result = verify_bundle(path, expect_hash=manifest["manifest_sha256"])
    assert result.ok and sorted(result.checked) == sorted(BUNDLE_FILES)
    assert not verify_bundle(path, expect_hash="0" * 64).ok


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            result = change(info.filename, data)
            if result is not None:
                zout.writestr(info.filename, result)


@pytest.mark.parametrize("target", sorted(BUNDLE_FILES | {"manifest.json"}))
def test_one_changed_byte_in_any_file_is_named(sqlite_url, tmp_path, target):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    row = store.create_session("orig")
    store.add_flows(row.id, sample_flows())
    store.add_events(row.id, [ConsentEvent(ts=1.0, action="granted", source="ui")])
    original = tmp_path / "evidence.zip"
    write_bundle(store, "orig", original, include_report=False)
    tampered = tmp_path / "tampered.zip"

    def flip(name, data):
        if name != target:
            return data
        i = len(data) // 2
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]

    _rewrite(original, tampered, flip)
    result = verify_bundle(tampered)
    assert not result.ok and target in result.changed
    if target != "manifest.json":  # a changed manifest may also mis-describe the file it lists
        assert set(result.changed) == {target}


def test_missing_extra_and_raw_corruption(sqlite_url, tmp_path):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    store.add_flows(store.create_session("orig").id, sample_flows())
    original = tmp_path / "evidence.zip"
    write_bundle(store, "orig", original, include_report=False)
    missing = tmp_path / "missing.zip"
    _rewrite(original, missing, lambda name, data: None if name == "flows.har" else data)
    assert verify_bundle(missing).missing == ["flows.har"]
    extra = tmp_path / "extra.zip"
    _rewrite(original, extra, lambda name, data: data)
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("notes.txt", "added later")
    assert verify_bundle(extra).extra == ["notes.txt"]
    # flip a byte inside the compressed data of one member, in the zip file itself
    raw = bytearray(original.read_bytes())
    with zipfile.ZipFile(original) as zf:
        info = zf.getinfo("events.jsonl")
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    raw[offset] ^= 0xFF
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(bytes(raw))
    result = verify_bundle(corrupt)
    assert not result.ok and result.changed == ["events.jsonl"]
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"hello")
    assert not verify_bundle(not_zip).ok


def test_cli_exports_bundle_and_verify(cli, tmp_path):
    har = tmp_path / "in.har"
    har.write_text(json.dumps({"log": {"entries": [{
        "startedDateTime": "2024-05-01T10:00:00Z",
        "request": {"method": "GET", "url": "https://example.com/?imei=861234567890123", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"text": "hi"}},
        "timings": {"send": 1, "wait": 2, "receive": 3},
    }]}}))
    assert cli("import", "har", str(har), "--session", "s").returncode == 0
    for kind, name in (("har", "o.har"), ("mitm", "o.mitm"), ("events", "o.jsonl")):
        proc = cli("export", kind, "s", "--output", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / name).is_file()
    proc = cli("export", "bundle", "s", "--output", str(tmp_path / "b.zip"), "--no-report")
    assert proc.returncode == 0, proc.stderr
    digest = proc.stdout.split("manifest sha256: ")[1].split()[0]
    proc = cli("verify", str(tmp_path / "b.zip"), "--expect-hash", digest)
    assert proc.returncode == 0 and "OK: 5 files" in proc.stdout
    _rewrite(tmp_path / "b.zip", tmp_path / "t.zip", lambda n, d: d + b" " if n == "flows.har" else d)
    proc = cli("verify", str(tmp_path / "t.zip"))
    assert proc.returncode == 1 and "changed: flows.har" in proc.stdout
    proc = cli("export", "har", "nope", "--output", str(tmp_path / "x.har"))
    assert proc.returncode == 2 and "no session named 'nope'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_bundle_includes_the_report_when_available(sqlite_url, tmp_path):
    from analyzer.store import open_store

    store = open_store(sqlite_url)
    row = store.create_session("orig", app=("com.example.app", "1.0"), status="finished")
    store.add_flows(row.id, sample_flows())
    store.add_events(row.id, [IdentifierEvent(ts=T0.timestamp() * 1000, kind="imei", value="861234567890123", source="hook")])
    path = tmp_path / "evidence.zip"
    manifest = write_bundle(store, "orig", path)
    assert {"report.html", "report.json"} <= set(manifest["files"])
    with zipfile.ZipFile(path) as zf:
        report = json.loads(zf.read("report.json"))
        html = zf.read("report.html").decode()
    assert report["schema"] == "consentry.report/2" and report["session"]["name"] == "orig"
    assert "<html" in html.lower()
    assert verify_bundle(path).ok
