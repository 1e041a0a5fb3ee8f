"""HAR and mitmproxy-dump imports: real-world shapes, malformed files, events files."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from mitmproxy import io as mio
from mitmproxy.test import tflow

from analyzer.importers import ImportFailed
from analyzer.importers.har import import_har
from analyzer.importers.mitm import import_mitm


def _entry(url="https://api.example.com/v1/track?uid=42", **overrides):
    entry = {
        "startedDateTime": "2024-05-01T10:00:00.123Z",
        "time": 50,
        "request": {
            "method": "POST", "url": url, "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 20,
            "postData": {"mimeType": "application/json", "text": '{"imei":"861234567890123"}'},
        },
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "text/plain"}],
            "content": {"size": 2, "mimeType": "text/plain", "text": "ok"},
            "redirectURL": "", "headersSize": -1, "bodySize": 2,
        },
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 10, "wait": 30, "receive": 10},
    }
    entry.update(overrides)
    return entry


def _har(tmp_path, entries, name="in.har"):
    path = tmp_path / name
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}}))
    return path


def _flows(store, name):
    return list(store.iter_flows(store.get_session(name).id))


def test_browser_har_round_trips_fields_and_times(store, tmp_path):
    result = import_har(store, _har(tmp_path, [_entry()]), "browser")
    assert result.flows == 1 and result.created
    (flow,) = _flows(store, "browser")
    assert flow.method == "POST" and flow.url == "https://api.example.com/v1/track?uid=42"
    assert flow.request_body == b'{"imei":"861234567890123"}' and flow.response_body == b"ok"
    assert flow.header("content-type") == "application/json" and flow.status_code == 200
    assert flow.ts_start.isoformat() == "2024-05-01T10:00:00.123000+00:00"
    assert (flow.ts_request_end - flow.ts_start).total_seconds() == pytest.approx(0.010)
    assert (flow.ts_response_start - flow.ts_start).total_seconds() == pytest.approx(0.040)
    assert (flow.ts_end - flow.ts_start).total_seconds() == pytest.approx(0.050)
    assert flow.source == "import" and flow.tls
    session = store.get_session("browser")
    assert session.status == "imported" and session.meta["imports"][0]["format"] == "har"


def test_base64_bodies_and_content_encoding_become_wire_bytes(store, tmp_path):
    # HTTP Toolkit / Charles style: binary response as base64, gzip declared but body decoded.
    binary = bytes(range(256))
    entry = _entry()
    entry["response"]["content"] = {"size": 256, "mimeType": "application/octet-stream",
                                    "text": base64.b64encode(binary).decode(), "encoding": "base64"}
    gz = _entry(url="https://cdn.example.com/data.json")
    gz["response"]["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    gz["response"]["content"] = {"size": 11, "mimeType": "application/json", "text": '{"ssid":"x"}'}
    already = _entry(url="https://cdn.example.com/raw.json")
    already["response"]["headers"].append({"name": "Content-Encoding", "value": "gzip"})
    already["response"]["content"] = {"text": base64.b64encode(gzip.compress(b"packed")).decode(), "encoding": "base64"}
    import_har(store, _har(tmp_path, [entry, gz, already]), "tk")
    flows = {f.url: f for f in _flows(store, "tk")}
    assert flows["https://api.example.com/v1/track?uid=42"].response_body == binary
    assert gzip.decompress(flows["https://cdn.example.com/data.json"].response_body) == b'{"ssid":"x"}'
    assert gzip.decompress(flows["https://cdn.example.com/raw.json"].response_body) == b"packed"


def test_per_flow_problems_become_warnings(store, tmp_path):
    bad_b64 = _entry()
    bad_b64["response"]["content"] = {"text": "not base64!!", "encoding": "base64"}
    odd_encoding = _entry(url="https://x.example.com/")
    odd_encoding["response"]["headers"].append({"name": "Content-Encoding", "value": "compress"})
    no_time = _entry(url="https://skipped.example.com/", startedDateTime="yesterday")
    result = import_har(store, _har(tmp_path, [bad_b64, odd_encoding, no_time, "junk"]), "warn")
    assert result.flows == 2 and result.flows_with_warnings == 2 and result.skipped == 2
    assert any("startedDateTime" in w for w in result.warnings)
    flows = {f.url: f for f in _flows(store, "warn")}
    assert any("not valid base64" in w for w in flows["https://api.example.com/v1/track?uid=42"].meta["warnings"])
    assert flows["https://api.example.com/v1/track?uid=42"].response_body == b"not base64!!"
    assert any("compress" in w for w in flows["https://x.example.com/"].meta["warnings"])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not json", "is not JSON"),
        (b'{"log": {"pages": []}}', "no log.entries"),
        (b"[1, 2, 3]", "no log.entries"),
        (b'{"log": {"entries": [{"request": {"url": "x"}}]}}', "none of the 1 entries"),
        (b'\xff\xfe{"log": 1}', "not valid UTF-8"),
        (b"[" * 100000 + b"]" * 100000, "nests JSON too deeply"),
    ],
)
def test_malformed_har_fails_without_touching_the_store(store, tmp_path, content, message):
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        import_har(store, path, "bad")
    assert store.find_session("bad") is None


def test_size_limit(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CONSENTRY_MAX_IMPORT_BYTES", "100")
    with pytest.raises(ImportFailed, match="over the import limit"):
        import_har(store, _har(tmp_path, [_entry()]), "big")


def test_existing_session_needs_append(store, tmp_path):
    path = _har(tmp_path, [_entry()])
    import_har(store, path, "twice")
    with pytest.raises(ImportFailed, match="--append"):
        import_har(store, path, "twice")
    with pytest.raises(ImportFailed, match="already imported"):  # the same file twice would double its flows
        import_har(store, path, "twice", append=True)
    assert len(_flows(store, "twice")) == 1
    other = tmp_path / "other"
    other.mkdir()
    result = import_har(store, _har(other, [_entry(), _entry()]), "twice", append=True, app=("com.example", "2.0"))
    assert not result.created and len(_flows(store, "twice")) == 3
    session = store.get_session("twice")
    assert len(session.meta["imports"]) == 2 and session.app.package == "com.example"


def test_events_file_with_unknown_types(store, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type":"consent","ts":1714557600000,"action":"granted","source":"manual"}\n'
        '{"type":"identifier","ts":1714557600001,"kind":"imei","value":"861234567890123","source":"profile"}\n'
        '{"type":"future_thing","ts":1714557600002,"x":1}\n'
    )
    result = import_har(store, _har(tmp_path, [_entry()]), "ev", events)
    assert result.events == 3 and result.unknown_events == 1
    session = store.get_session("ev")
    assert [i.value for i in store.identifiers(session.id)] == ["861234567890123"]


def test_broken_events_file_fails_before_import(store, tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text('{"type":"consent","ts":1,"action":"granted"}\n{not json}\n')
    with pytest.raises(ImportFailed, match="events.jsonl:2"):
        import_har(store, _har(tmp_path, [_entry()]), "ev", events)
    assert store.find_session("ev") is None


def _dump(path, flows):
    with open(path, "wb") as fh:
        writer = mio.FlowWriter(fh)
        for f in flows:
            writer.add(f)


def test_mitm_dump_with_a_damaged_tail(store, tmp_path):
    path = tmp_path / "cap.mitm"
    flows = [tflow.tflow(resp=True) for _ in range(3)] + [tflow.ttcpflow()]
    for i, f in enumerate(flows[:3]):
        f.request.path = f"/item/{i}"
    _dump(path, flows)
    data = path.read_bytes()
    _dump(tmp_path / "one.mitm", [tflow.tflow(resp=True)])
    path.write_bytes(data + (tmp_path / "one.mitm").read_bytes()[:40])  # a write cut short
    result = import_mitm(store, path, "dump")
    assert result.flows == 3 and result.skipped == 1
    assert any("damaged after flow 4" in w for w in result.warnings)
    assert sorted(f.path for f in _flows(store, "dump")) == ["/item/0", "/item/1", "/item/2"]


def test_garbage_is_not_a_mitm_dump(store, tmp_path):
    path = tmp_path / "garbage.mitm"
    path.write_bytes(b"12345:garbage!")
    with pytest.raises(ImportFailed, match="not a readable mitmproxy flow file"):
        import_mitm(store, path, "garbage")
    assert store.find_session("garbage") is None


def test_cli_import_errors_are_one_line(cli, tmp_path):
    bad = tmp_path / "bad.har"
    bad.write_bytes(b"\x00\x01 nope")
    proc = cli("import", "har", str(bad), "--session", "x")
    assert proc.returncode == 2
    assert proc.stderr.startswith("consentry: error:") and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    proc = cli("import", "mitm", str(tmp_path / "missing.mitm"), "--session", "x")
    assert proc.returncode == 2 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_import_reports_counts(cli, tmp_path):
    events = tmp_path / "e.jsonl"
    events.write_text('{"type":"mystery","ts":1}\n')
    proc = cli("import", "har", str(_har(tmp_path, [_entry(), _entry()])), "--session", "ok", "--events", str(events),
               "--app", "com.example@1.2", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["flows"] == 2 and out["events"] == 1 and out["unknown_events"] == 1
