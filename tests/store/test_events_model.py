"""The session-event format: strict on required fields, tolerant of new types and fields."""

from __future__ import annotations

import json

import pytest

from analyzer.models.events import ApiCallEvent, ConsentEvent, EventParseError, UnknownEvent, parse_event, read_events_jsonl


def test_known_types_validate_and_keep_extra_fields():
    ev = parse_event({"type": "consent", "ts": 1.5, "action": "granted", "source": "sdk_api", "sdk": "umeng", "extra": 7})
    assert isinstance(ev, ConsentEvent) and ev.sdk == "umeng" and ev.to_json()["extra"] == 7
    call = parse_event({"type": "api_call", "ts": 2, "api": "a.B.c", "kind": "imei", "ret": "1", "count": 40})
    assert isinstance(call, ApiCallEvent) and call.count == 40


def test_unknown_types_are_kept_with_a_warning():
    ev = parse_event({"type": "sensor:shake", "ts": 3, "g": 2})
    assert isinstance(ev, UnknownEvent) and ev.raw["g"] == 2 and "unknown event type" in ev.warning


@pytest.mark.parametrize(
    "obj, message",
    [
        ([], "not a JSON object"),
        ({"ts": 1}, "no 'type'"),
        ({"type": "consent", "ts": 1, "action": "maybe"}, "invalid consent event: action"),
        ({"type": "api_call", "ts": "soon", "api": "x"}, "invalid api_call event: ts"),
        ({"type": "whatever"}, "no numeric 'ts'"),
        ({"type": "api_call", "ts": 1, "api": "x", "count": 0}, "count"),
    ],
)
def test_bad_events_give_one_line_reasons(obj, message):
    with pytest.raises(EventParseError, match=message):
        parse_event(obj)


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_bytes(json.dumps({"type": "lifecycle", "ts": 1, "state": "start"}).encode() + b"\n\n{broken\n")
    with pytest.raises(EventParseError, match=r"e.jsonl:3: not JSON"):
        list(read_events_jsonl(path))
    path.write_bytes(b'{"type":"ui","ts":1,"action":"click","text":"\xff"}\n')
    with pytest.raises(EventParseError, match="not valid UTF-8"):
        list(read_events_jsonl(path))
    deep = "[" * 100_000 + "]" * 100_000
    path.write_text(deep + "\n")
    with pytest.raises(EventParseError, match=":1:"):
        list(read_events_jsonl(path))
