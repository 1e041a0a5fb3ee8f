"""Hooked sensitive API calls, and which call produced a value seen on the wire."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from analyzer.correlate.timeline import iso, iso_ms
from analyzer.models.events import ApiCallEvent, StoredEvent


def normalize_ret(ret: Any) -> str | None:
    """The value a call returned, in the form identifiers use (location: "lat,lon")."""
    if ret is None or isinstance(ret, bool):
        return None
    if isinstance(ret, (int, float)):
        return str(ret)
    if isinstance(ret, str):
        return ret or None
    if isinstance(ret, dict):
        lat = ret.get("latitude", ret.get("lat"))
        lon = ret.get("longitude", ret.get("lon", ret.get("lng")))
        if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
            return f"{lat},{lon}"
    return None


@dataclass(frozen=True)
class ApiCall:
    seq: int
    api: str
    kind: str | None
    ret: Any
    value: str | None
    stack: tuple[str, ...]
    count: int
    ts_ms: float  # last call of the batch, workstation clock
    first_ts_ms: float  # first call of the batch, workstation clock
    ts_iso: str
    first_ts_iso: str
    clock: str

    @classmethod
    def from_event(cls, stored: StoredEvent) -> "ApiCall | None":
        """The call a stored api_call event reports; None for one that no longer parses."""
        ev = stored.event
        if not isinstance(ev, ApiCallEvent):
            return None
        first_ms = stored.ts_ms
        if ev.first_ts is not None and ev.first_ts <= ev.ts:
            first_ms = stored.workstation_ms(ev.first_ts)
        return cls(
            seq=stored.seq,
            api=ev.api,
            kind=ev.kind,
            ret=ev.ret,
            value=normalize_ret(ev.ret),
            stack=tuple(ev.stack),
            count=ev.count,
            ts_ms=stored.ts_ms,
            first_ts_ms=first_ms,
            ts_iso=iso(stored.ts),
            first_ts_iso=iso_ms(first_ms) if first_ms != stored.ts_ms else iso(stored.ts),
            clock=stored.clock,
        )

    def ret_json(self) -> Any:
        """The return value as JSON-safe data, long values cut (reports stay small)."""
        try:
            text = json.dumps(self.ret, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return None
        if len(text) <= 2000:
            return self.ret
        return text[:2000] + "…"


class CallIndex:
    """Calls by the value they returned, for "which call produced what this flow sends"."""

    def __init__(self, calls: Iterable[ApiCall]) -> None:
        by_value: dict[str, list[ApiCall]] = {}
        for call in calls:
            if call.value:
                by_value.setdefault(call.value, []).append(call)
        for items in by_value.values():
            items.sort(key=lambda c: (c.first_ts_ms, c.seq))
        self._by_value = by_value
        self._times = {v: [c.first_ts_ms for c in items] for v, items in by_value.items()}

    def producer(self, value: str, ts_ms: float, slack_ms: float = 0.0) -> ApiCall | None:
        """The latest call returning ``value`` that started no later than ``ts_ms + slack_ms``."""
        items = self._by_value.get(value)
        if not items:
            return None
        i = bisect.bisect_right(self._times[value], ts_ms + slack_ms)
        return items[i - 1] if i else None

    def producers(self, value: str, ts_ms: float, slack_ms: float = 0.0) -> Iterator[ApiCall]:
        """Every call returning ``value`` that started no later than ``ts_ms + slack_ms``, latest
        first, lazily: a poller's thousands of earlier calls are not copied for every flow."""
        items = self._by_value.get(value)
        if not items:
            return
        i = bisect.bisect_right(self._times[value], ts_ms + slack_ms)
        for j in range(i - 1, -1, -1):
            yield items[j]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_value.values())

