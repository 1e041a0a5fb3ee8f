"""Leaves of escape-free JSON found by position are the walk's leaves, in the walk's order.

Documents are generated with the field names detectors key on, identifier values in
strings and in numbers, timestamps, floats in every spelling, nesting, duplicate keys
and non-ASCII text; each is scanned once by position and once by the tree walk alone.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.decode import Budget, DecodeLimits, jsonpos
from analyzer.match import IdentifierSet
from analyzer.match.scan import _message_leaves
from analyzer.models.flow import FlowRecord

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
IDS = IdentifierSet.build([
    ("imei", "356938035643809", "hook"), ("android_id", "9774d56d682e549c", "hook"),
    ("location", "39.9087243,116.3974965", "hook"), ("email", "lab.user@example.com", "hook"),
])
KEYS = ["ev", "ts", "imei", "Android_ID", "lat", "lng", "contacts", "apps", "data", "a.b", ": x", "x", "v", "ll", "did"]
STRINGS = ["page_view", "3.2.1", "com.tencent.mm", "lab.user@example.com", "+8613812345678", "356938035643809",
           "9774d56d682e549c", "39.9087243,116.3974965", "a=1&b=2", "%7B%22imei%22%7D", '{"imei": 1}', "[1, 2]",
           "02:1a:2b:3c:4d:5e", "Bj\u00f6rk", "", " ", "x" * 20, "SSID-5G", "AA-BB", "aGVsbG8gd29ybGQgaGVsbG8=", ":"]
NUMBERS = [0, -0.0, 1767225600123, 356938035643809, 86138123456789, 13812345678, 8986011234567890123, 39.9087243,
           116.3974965, 12.345, 1.5, 1e-7, 1.0e20, 39.90872430]
RAW_NUMBERS = ["39.9087243e0", "39.90872430", "1E5", "0.00001", "12345678901234567.5", "-0"]

scalars = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.sampled_from([True, False, None]),
                    st.text(alphabet="abcxyz0123456789 .:-_@+=%{[/", max_size=14))
documents = st.recursive(
    st.one_of(st.dictionaries(st.sampled_from(KEYS), scalars, max_size=5), st.lists(scalars, max_size=5)),
    lambda inner: st.one_of(st.dictionaries(st.sampled_from(KEYS), st.one_of(inner, scalars), max_size=5),
                            st.lists(st.one_of(inner, scalars), max_size=5)),
    max_leaves=40,
)


def _dump(doc, rng) -> str:
    """JSON text of doc, sometimes with a raw number spelling, a repeated key or extra spaces."""
    if isinstance(doc, dict):
        members = [f"{json.dumps(k, ensure_ascii=False)}: {_dump(v, rng)}" for k, v in doc.items()]
        if members and rng.draw(st.integers(0, 5)) == 0:
            members.append(rng.draw(st.sampled_from(members)))  # a duplicate key
        return "{" + rng.draw(st.sampled_from([", ", ",", " ,\n "])).join(members) + "}"
    if isinstance(doc, list):
        return "[" + ", ".join(_dump(v, rng) for v in doc) + "]"
    if isinstance(doc, float) and rng.draw(st.integers(0, 9)) == 0:
        return rng.draw(st.sampled_from(RAW_NUMBERS))
    return json.dumps(doc, ensure_ascii=False)


def _leaves(body: str, monkeypatch, by_position: bool, url: str = "https://t.example/collect?imei=356938035643809"):
    if not by_position:
        monkeypatch.setattr(jsonpos, "slots", lambda *a, **k: None)
    flow = FlowRecord("POST", url, NOW, id="1",
                      request_headers=[("Content-Type", "application/json")], request_body=body.encode())
    leaves, _ = _message_leaves(flow, Budget(DecodeLimits()), "request", None, IDS, True)
    monkeypatch.undo()
    return leaves


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(doc=documents, rng=st.data())
def test_leaves_by_position_equal_the_walk(doc, rng, monkeypatch):
    body = _dump(doc, rng)
    assert _leaves(body, monkeypatch, True) == _leaves(body, monkeypatch, False)


@pytest.mark.parametrize("body, placed", [
    ('{"header": {"imei": "356938035643809", "sdk": "6.4.1"}, "events": [{"ts": 1767225600123, "v": "3.2.1"}]}', True),
    ('{"header": {"imei": "356938035643809"}, "ll": [39.9087243, 116.3974965]}', True),
    ('{"a": "Bj\u00f6rk", "imei": "356938035643809"}', False),  # not ASCII: offsets differ, the walk decides
    ('{"imei": "356938035643809", "imei": "356938035643809"}', False),  # duplicate keys
    ('{"lat": 3.99087243e1}', False),  # an exponent: str(value) is not the text
])
def test_documents_placed_by_position(body, placed, monkeypatch):
    seen = []
    real = jsonpos.slots

    def recording(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(jsonpos, "slots", recording)
    flow = FlowRecord("POST", "https://t.example/collect", NOW, id="1",
                      request_headers=[("Content-Type", "application/json")], request_body=body.encode())
    by_position, _ = _message_leaves(flow, Budget(DecodeLimits()), "request", None, IDS, True)
    monkeypatch.undo()
    assert seen and (seen[0] is not None) == placed
    assert by_position == _leaves(body, monkeypatch, False, "https://t.example/collect")
    assert any(leaf.text == "356938035643809" or leaf.text.startswith("39.9") for leaf in by_position)
