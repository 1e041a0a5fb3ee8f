"""Session events: the interchange format of docs/events.md.

Frida agent messages, manual marks and imported ``.jsonl`` files all parse through
:func:`parse_event`. Known types validate strictly on their required fields and keep
any extra fields; an unknown ``type`` becomes an :class:`UnknownEvent` with a warning
instead of an error, so a newer agent never breaks an older host.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

PII_KINDS: tuple[str, ...] = (
    "imei", "meid", "imsi", "iccid", "serial", "android_id", "oaid", "aaid", "idfa", "idfv",
    "mac", "bssid", "ssid", "phone_number", "email", "location", "cell_id", "contacts",
    "installed_apps", "clipboard", "device_name", "account", "ip_address",
)

MAX_EVENT_LINE_BYTES = 4 * 1024 * 1024


class EventParseError(ValueError):
    """An event that cannot be used at all (not an object, no type, bad required field)."""


class _EventBase(BaseModel):
    model_config = ConfigDict(extra="allow")
    ts: float = Field(description="epoch milliseconds on the clock of the source")
    process: str | None = Field(None, description="the app process that reported it (':push'); None: the main process")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ConsentEvent(_EventBase):
    type: Literal["consent"] = "consent"
    action: Literal["shown", "granted", "refused", "withdrawn"]
    source: str = Field("manual", description="manual|hook|sdk_api|ui (others kept as given)")
    sdk: str | None = None
    api: str | None = None
    text: str | None = None
    # Set by the consent driver (analyzer/runner/consent.py): how the decision was made
    # (ui-tree, hooks-rpc, sdk-api-call), the lexicon words matched on screen, the tapped
    # node and the content hashes of the dumps/screenshots around the tap.
    via: str | None = None
    matched: list[str] | None = None
    node: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None


class IdentifierEvent(_EventBase):
    type: Literal["identifier"] = "identifier"
    kind: str
    value: str
    source: str = Field("manual", description="hook|profile|manual|canary")

    @field_validator("value", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> str:
        return v if isinstance(v, str) else json.dumps(v) if isinstance(v, (list, dict)) else str(v)


class ApiCallEvent(_EventBase):
    type: Literal["api_call"] = "api_call"
    api: str
    kind: str | None = None
    ret: Any = None
    args: list[Any] = Field(default_factory=list)
    stack: list[str] = Field(default_factory=list)
    count: int = Field(1, ge=1)
    first_ts: float | None = Field(None, description="first call of a batched run, epoch ms")
    thread: str | None = None
    exception: str | None = Field(None, description="the exception the call threw (e.g. SecurityException on Android 10+); the attempt counts")


class CryptoEvent(_EventBase):
    type: Literal["crypto"] = "crypto"
    op: Literal["encrypt", "decrypt", "digest", "encode", "decode"]
    algorithm: str = ""
    input_b64: str = ""
    output_b64: str = ""
    stack: list[str] = Field(default_factory=list)


class LifecycleEvent(_EventBase):
    type: Literal["lifecycle"] = "lifecycle"
    state: Literal["start", "foreground", "background", "exit"]
    component: str | None = None


class UiEvent(_EventBase):
    type: Literal["ui"] = "ui"
    action: Literal["dialog_shown", "click"]
    text: str | None = None
    view: str | None = None
    texts: list[str] = Field(default_factory=list)


KnownEvent = Annotated[
    Union[ConsentEvent, IdentifierEvent, ApiCallEvent, CryptoEvent, LifecycleEvent, UiEvent],
    Field(discriminator="type"),
]
_known_adapter: TypeAdapter[Any] = TypeAdapter(KnownEvent)
KNOWN_TYPES = frozenset({"consent", "identifier", "api_call", "crypto", "lifecycle", "ui"})


class UnknownEvent(_EventBase):
    """An event of a type this version does not know, kept verbatim."""

    type: str
    raw: dict[str, Any] = Field(default_factory=dict)
    warning: str = ""


Event = Union[ConsentEvent, IdentifierEvent, ApiCallEvent, CryptoEvent, LifecycleEvent, UiEvent, UnknownEvent]


def parse_event(obj: Any) -> Event:
    """Validate one event object. Raises EventParseError with a one-line reason."""
    if not isinstance(obj, dict):
        raise EventParseError(f"event is not a JSON object: {type(obj).__name__}")
    etype = obj.get("type")
    if not isinstance(etype, str) or not etype:
        raise EventParseError("event has no 'type'")
    if etype not in KNOWN_TYPES:
        ts = obj.get("ts")
        if not isinstance(ts, (int, float)) or isinstance(ts, bool):
            raise EventParseError(f"event of type {etype!r} has no numeric 'ts'")
        return UnknownEvent(type=etype, ts=float(ts), raw=obj, warning=f"unknown event type {etype!r} kept as raw")
    try:
        return _known_adapter.validate_python(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or etype
        raise EventParseError(f"invalid {etype} event: {where}: {first['msg']}") from None


def read_events_jsonl(path: Path) -> Iterator[Event]:
    """Yield events from a .jsonl file; errors name the line."""
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if len(line) > MAX_EVENT_LINE_BYTES:
                raise EventParseError(f"{path}:{lineno}: event line longer than {MAX_EVENT_LINE_BYTES} bytes")
            if not line.strip():
                continue
            try:
                obj = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                raise EventParseError(f"{path}:{lineno}: not valid UTF-8") from None
            except (json.JSONDecodeError, RecursionError) as exc:
                raise EventParseError(f"{path}:{lineno}: not JSON ({str(exc).splitlines()[0][:80]})") from None
            try:
                yield parse_event(obj)
            except EventParseError as exc:
                raise EventParseError(f"{path}:{lineno}: {exc}") from None


def events_json_schema() -> dict[str, Any]:
    """JSON Schema of the session-event format (``consentry schema events``)."""
    schema = TypeAdapter(KnownEvent).json_schema()
    schema["title"] = "consentry session event"
    schema["description"] = (
        "One JSON object per line (.jsonl). 'ts' is epoch milliseconds on the clock of the "
        "source. Events of other types are accepted and kept verbatim with a warning."
    )
    return schema


DEVICE_CLOCK, WORKSTATION_CLOCK = "device", "workstation"


@dataclass(frozen=True)
class StoredEvent:
    """One event as the store gives it back: the parsed event and where it sits in the session.

    ``ts`` is workstation time (UTC): the device-clock offset was applied once, when the
    event was stored; ``ts_source_ms`` is the time the source reported. ``data`` is the
    stored JSON, verbatim (exports write it back byte for byte).
    """

    seq: int
    type: str
    ts: dt.datetime
    ts_source_ms: float
    origin: str
    data: dict[str, Any]
    received_at: dt.datetime | None = None
    warning: str | None = None

    @functools.cached_property
    def event(self) -> Event:
        """The typed event; one stored by an older version that no longer validates comes
        back as an UnknownEvent whose warning says why (readers skip it, never crash)."""
        try:
            return parse_event(self.data)
        except EventParseError as exc:
            return UnknownEvent(type=self.type, ts=self.ts_source_ms, raw=dict(self.data or {}), warning=str(exc))

    @functools.cached_property
    def ts_ms(self) -> float:
        """Workstation time as epoch milliseconds: the one number the analysis orders by."""
        return self.ts.timestamp() * 1000.0

    @property
    def clock(self) -> str:
        """Hook and imported events were timed by the device; manual marks by the workstation."""
        return WORKSTATION_CLOCK if self.origin == "manual" else DEVICE_CLOCK

    def workstation_ms(self, source_ms: float) -> float:
        """Another time the same source reported (e.g. an api_call's first_ts), on the
        workstation clock: shifted by the offset this event was stored with."""
        return source_ms - (self.ts_source_ms - self.ts_ms)
