"""FlowRecord: one HTTP exchange as every part of consentry sees it.

The capture addon, the HAR/mitmproxy importers and in-process hooks produce FlowRecords;
the store persists them; the analyzer reads them back. Bodies are the bytes as sent on
the wire (still content-encoded); the decoders undo the encoding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

FLOW_SOURCES = ("proxy", "import", "hook")


@dataclass
class WebSocketRecord:
    from_client: bool
    content: bytes
    is_text: bool
    ts: dt.datetime


@dataclass
class FlowRecord:
    method: str
    url: str
    ts_start: dt.datetime
    source: str = "proxy"
    id: str | None = None
    seq: int | None = None  # capture order within the session, assigned by the store
    http_version: str = "HTTP/1.1"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    request_body_size: int | None = None  # original size, when request_body was truncated
    request_truncated: bool = False
    status_code: int | None = None
    reason: str | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    response_body_size: int | None = None
    response_truncated: bool = False
    ts_request_end: dt.datetime | None = None
    ts_response_start: dt.datetime | None = None
    ts_end: dt.datetime | None = None
    tls: bool = False
    tls_version: str | None = None
    sni: str | None = None
    client_addr: str | None = None
    server_addr: str | None = None
    error: str | None = None
    websocket: list[WebSocketRecord] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def port(self) -> int | None:
        try:
            return urlsplit(self.url).port
        except ValueError:
            return None

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def header(self, name: str, response: bool = False) -> str | None:
        headers = self.response_headers if response else self.request_headers
        lname = name.lower()
        for k, v in headers:
            if k.lower() == lname:
                return v
        return None
