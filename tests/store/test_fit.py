"""Values no column holds are fitted, noted, and kept as text; everything else is left alone."""

import dataclasses
import datetime as dt

import pytest

from analyzer.models.flow import FlowRecord
from analyzer.store.fit import MAX_HEADER_CHARS, fit_flow, storable_json, storable_text

FLOW = FlowRecord(method="GET", url="https://a.test/x?imei=861234567890123", ts_start=dt.datetime.now(dt.timezone.utc),
                  request_headers=[("user-agent", "okhttp")], status_code=200, meta={"alpn": "h2"})


def test_a_flow_that_fits_is_returned_as_is():
    assert fit_flow(FLOW) is FLOW
    chinese = dataclasses.replace(FLOW, url="https://a.test/用户?x=1", reason="好")
    assert fit_flow(chinese).url == chinese.url and "store_notes" not in fit_flow(chinese).meta


@pytest.mark.parametrize("change, field, raw", [
    ({"status_code": 9999999999}, "status_code", "9999999999"),
    ({"status_code": 10**20}, "status_code", str(10**20)),
    ({"url": "http://a.test:99999/x"}, "port", "99999"),
    ({"method": "M" * 100}, "method", "M" * 100),
    ({"tls_version": "TLS\x00v9"}, "tls_version", "TLS\ufffdv9"),
])
def test_values_that_do_not_fit_are_kept_as_text(change, field, raw):
    fitted = fit_flow(dataclasses.replace(FLOW, **change))
    assert fitted.meta["unstorable"][field] == raw and fitted.meta["store_notes"]


def test_headers_lose_nul_and_surrogates_and_are_cut():
    fitted = fit_flow(dataclasses.replace(FLOW, request_headers=[("x\ud800", "a\x00b"), ("big", "A" * (MAX_HEADER_CHARS + 5))]))
    assert fitted.request_headers == [("x\ufffd", "a\ufffdb"), ("big", "A" * MAX_HEADER_CHARS)]
    assert any("cut to" in n for n in fitted.meta["store_notes"])


def test_storable_json_and_text():
    assert storable_text("Jos\udce9") == "Jos\ufffd" and storable_text("ok") == "ok"
    assert storable_json({"a": [float("nan"), 10**30, "\x00"], 1: b"\xff"}) == {"a": ["nan", str(10**30), "\ufffd"], "1": "\ufffd"}
