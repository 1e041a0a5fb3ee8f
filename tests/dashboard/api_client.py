"""An in-process client for the dashboard app (httpx through Starlette's test transport)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette announces a future test-client package
    from fastapi.testclient import TestClient

from analyzer.web.app import create_app


def client(store, **kwargs) -> TestClient:
    return TestClient(create_app(store, **kwargs))
