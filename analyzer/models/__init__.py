"""Interchange models: session events (pydantic), flow records and matches."""

from analyzer.models.events import (
    PII_KINDS,
    ApiCallEvent,
    ConsentEvent,
    CryptoEvent,
    Event,
    EventParseError,
    IdentifierEvent,
    LifecycleEvent,
    UiEvent,
    UnknownEvent,
    events_json_schema,
    parse_event,
    read_events_jsonl,
)
from analyzer.models.flow import FlowRecord, WebSocketRecord

__all__ = [
    "PII_KINDS",
    "ApiCallEvent",
    "ConsentEvent",
    "CryptoEvent",
    "Event",
    "EventParseError",
    "IdentifierEvent",
    "LifecycleEvent",
    "UiEvent",
    "UnknownEvent",
    "events_json_schema",
    "parse_event",
    "read_events_jsonl",
    "FlowRecord",
    "WebSocketRecord",
]
