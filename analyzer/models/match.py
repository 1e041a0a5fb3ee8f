"""What the decoders and matchers report for one flow: a piece of personal data found."""

from __future__ import annotations

from dataclasses import dataclass

LOCATIONS = ("query", "body", "header", "cookie", "path", "url", "websocket")
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True)
class Match:
    pii_type: str  # a PII kind (analyzer.models.events.PII_KINDS)
    value: str  # the identifier as the device returned it (known) or as detected
    matched: str  # the exact text found in the decoded leaf (the variant)
    location: str  # one of LOCATIONS
    path: str  # where inside the location, e.g. "json:$.d.imei", header or cookie name
    encoding: tuple[str, ...]  # decode/transform chain, e.g. ("gzip", "json:$.d", "base64", "md5")
    confidence: str  # one of CONFIDENCES
    known: bool  # True: value from the session's identifier set; False: a detector found it
    excerpt: str = ""  # up to ~240 characters of the decoded leaf around the match
    excerpt_span: tuple[int, int] = (0, 0)  # [start, end) of the match within excerpt
    identifier_source: str | None = None  # hook|profile|manual|canary when known
    detector: str | None = None  # detector name when not known
    direction: str = "request"  # request|response|ws_client|ws_server
