"""The consent timeline of a session and the phase of anything timed against it.

Which events move the phase:

* ``consent`` events from the user's side (sources ``ui``, ``manual``, ``hook``,
  ``import`` and any other except ``sdk_api``) are the timeline.
* ``ui`` click events whose text reads as accept/refuse/withdraw count as a consent
  event of that action when no explicit consent event of the same action lies within
  ``ui_consent_near_ms`` of them (an agent that only reports clicks still works).
* ``sdk_api`` consent events (the app telling an SDK "the user agreed") are what the app
  *claims*, not what the user did: they only drive the phase when the session has no
  user-side consent event at all. They are always kept as marks in the report.
* ``shown`` never changes the phase.

State machine, starting in ``pre_consent``: granted -> ``post_consent``; refused ->
``post_refusal`` (``post_withdrawal`` when consent had been granted: refusing after
agreeing withdraws); withdrawn -> ``post_withdrawal`` (``post_refusal`` when nothing had
been granted). A mark that does not change the state is not a transition.

Ambiguity: flows are timed on the workstation clock, hook events on the device clock
corrected by the session's estimated offset. An item on the other clock than a
transition and closer to it than ``floor_ms`` (event-time resolution) plus the session's
``clock_uncertainty_ms`` is ``ambiguous`` and keeps both candidate phases. Two events on
the same clock are ordered exactly by their timestamps (an SDK starting 2 ms after the
同意 tap is after it); only the very same millisecond is ambiguous.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from analyzer.models.events import DEVICE_CLOCK, WORKSTATION_CLOCK, ConsentEvent, LifecycleEvent, StoredEvent, UiEvent
from analyzer.store.types import UTC, from_epoch_ms

PRE, REFUSED, GRANTED, WITHDRAWN, AMBIGUOUS = "pre_consent", "post_refusal", "post_consent", "post_withdrawal", "ambiguous"
EFFECTIVE_ACTIONS = ("granted", "refused", "withdrawn")
DEVICE, WORKSTATION = DEVICE_CLOCK, WORKSTATION_CLOCK

# Lower-case fragments; withdraw is tested first, then refuse ("不同意" contains "同意").
WITHDRAW_WORDS = ("撤回", "withdraw", "revoke")
REFUSE_WORDS = ("不同意", "拒绝", "暂不", "不允许", "不接受", "disagree", "decline", "reject", "deny", "refuse", "don't allow", "do not agree", "not now")
ACCEPT_WORDS = ("同意", "允许", "接受", "agree", "accept", "allow", "consent", "got it")


def classify_click(text: str | None) -> str | None:
    """The consent action a clicked text stands for, or None."""
    if not text:
        return None
    lower = text.strip().lower()
    if any(w in lower for w in WITHDRAW_WORDS):
        return "withdrawn"
    if any(w in lower for w in REFUSE_WORDS):
        return "refused"
    if any(w in lower for w in ACCEPT_WORDS):
        return "granted"
    return None


@dataclass(frozen=True)
class Mark:
    ts_ms: float  # workstation clock
    action: str  # shown | granted | refused | withdrawn
    source: str
    clock: str
    seq: int
    ts_iso: str
    ts_device_ms: float | None = None
    sdk: str | None = None
    text: str | None = None
    api: str | None = None
    derived_from_click: bool = False


@dataclass(frozen=True)
class Transition:
    ts_ms: float
    before: str
    after: str
    mark: Mark


@dataclass(frozen=True)
class Placement:
    phase: str
    sides: tuple[str, str] | None = None  # (before, after) when ambiguous
    reference: Mark | None = None  # nearest transition mark, else nearest mark of any kind
    relative_ms: float | None = None  # item time minus reference time


def _next_state(state: str, action: str) -> str:
    if action == "granted":
        return GRANTED
    if action == "refused":
        return WITHDRAWN if state in (GRANTED, WITHDRAWN) else REFUSED
    if action == "withdrawn":
        return WITHDRAWN if state in (GRANTED, WITHDRAWN) else REFUSED
    return state


def mark_from_event(stored: StoredEvent, *, derived_action: str | None = None) -> Mark:
    """A consent event, or a click that reads as one (``derived_action``), as a timeline mark."""
    ev = stored.event
    consent = ev if isinstance(ev, ConsentEvent) else None
    return Mark(
        ts_ms=stored.ts_ms,
        action=derived_action or (consent.action if consent else ""),
        source="ui" if derived_action else str((consent.source if consent else None) or stored.origin),
        clock=stored.clock,
        seq=stored.seq,
        ts_iso=iso(stored.ts),
        ts_device_ms=stored.ts_source_ms,
        sdk=consent.sdk if consent else None,
        text=getattr(ev, "text", None),
        api=consent.api if consent else None,
        derived_from_click=derived_action is not None,
    )


def iso(value: dt.datetime) -> str:
    """How a time leaves the analysis (findings, reports): ISO-8601 UTC, microseconds."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def iso_ms(ms: float) -> str:
    """``iso`` of a workstation time in epoch milliseconds (the analysis' own time)."""
    return iso(from_epoch_ms(ms))


@dataclass
class ConsentTimeline:
    marks: list[Mark]  # everything worth showing, time order
    transitions: list[Transition]
    uncertainty_ms: float = 0.0
    floor_ms: float = 5.0
    basis: str = "none"  # user | sdk_api | none
    _times: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._times = [t.ts_ms for t in self.transitions]

    @classmethod
    def build(
        cls,
        consent_events: Iterable[StoredEvent],
        click_events: Iterable[StoredEvent] = (),
        *,
        uncertainty_ms: float = 0.0,
        floor_ms: float = 5.0,
        ui_consent_near_ms: float = 2000.0,
    ) -> "ConsentTimeline":
        explicit = [mark_from_event(e) for e in consent_events if isinstance(e.event, ConsentEvent)]
        user_side = [m for m in explicit if m.source != "sdk_api"]
        for click in click_events:
            ev = click.event
            if not isinstance(ev, UiEvent) or ev.action != "click":
                continue
            action = classify_click(ev.text)
            if action is None:
                continue
            if any(m.action == action and abs(m.ts_ms - click.ts_ms) <= ui_consent_near_ms for m in user_side):
                continue
            derived = mark_from_event(click, derived_action=action)
            explicit.append(derived)
        marks = sorted(explicit, key=lambda m: (m.ts_ms, m.seq))
        user_marks = [m for m in marks if m.source != "sdk_api" and m.action in EFFECTIVE_ACTIONS]
        sdk_marks = [m for m in marks if m.source == "sdk_api" and m.action in EFFECTIVE_ACTIONS]
        basis, driving = ("user", user_marks) if user_marks else (("sdk_api", sdk_marks) if sdk_marks else ("none", []))
        transitions = []
        state = PRE
        for mark in driving:
            after = _next_state(state, mark.action)
            if after != state:
                transitions.append(Transition(mark.ts_ms, state, after, mark))
                state = after
        return cls(marks, transitions, max(0.0, uncertainty_ms or 0.0), max(0.0, floor_ms), basis)

    def window_ms(self, mark: Mark, item_clock: str) -> float:
        return 0.0 if mark.clock == item_clock else self.floor_ms + self.uncertainty_ms

    def state_at(self, ts_ms: float) -> str:
        i = bisect.bisect_right(self._times, ts_ms)
        return self.transitions[i - 1].after if i else PRE

    def place(self, ts_ms: float, item_clock: str) -> Placement:
        """The phase at ``ts_ms`` for an item timed on ``item_clock``."""
        near = [t for t in self.transitions if abs(ts_ms - t.ts_ms) <= self.window_ms(t.mark, item_clock)]
        reference = self._reference(ts_ms)
        relative = round(ts_ms - reference.ts_ms, 3) if reference is not None else None
        if near:
            sides = (near[0].before, near[-1].after)
            if sides[0] != sides[1]:
                return Placement(AMBIGUOUS, sides, reference, relative)
        return Placement(self.state_at(ts_ms), None, reference, relative)

    def _reference(self, ts_ms: float) -> Mark | None:
        pool = [t.mark for t in self.transitions] or [m for m in self.marks]
        if not pool:
            return None
        return min(pool, key=lambda m: (abs(ts_ms - m.ts_ms), m.seq))


@dataclass
class ForegroundTimeline:
    """Foreground/background intervals from ``lifecycle`` events.

    ``background`` counts only after ``grace_ms`` in the background, so the pause/resume
    pair of switching between two activities of the app is not "background".
    Before the first lifecycle event, and after ``start``/``exit``, the state is unknown.
    """

    changes: list[tuple[float, str, str]]  # (ts_ms, state, clock)
    grace_ms: float = 1000.0
    floor_ms: float = 5.0
    uncertainty_ms: float = 0.0

    @classmethod
    def build(cls, lifecycle_events: Iterable[StoredEvent], *, grace_ms: float = 1000.0, floor_ms: float = 5.0, uncertainty_ms: float = 0.0) -> "ForegroundTimeline":
        changes = []
        for stored in lifecycle_events:
            ev = stored.event
            if not isinstance(ev, LifecycleEvent):
                continue
            mapped = {"foreground": "foreground", "background": "background"}.get(ev.state, "unknown")
            changes.append((stored.ts_ms, mapped, stored.clock, stored.seq))
        changes.sort(key=lambda c: (c[0], c[3]))
        return cls([(t, s, c) for t, s, c, _ in changes], grace_ms, floor_ms, max(0.0, uncertainty_ms or 0.0))

    @property
    def has_data(self) -> bool:
        return bool(self.changes)

    def state_at(self, ts_ms: float, item_clock: str) -> str:
        """foreground | background | unknown; unknown too when too close to a change to tell."""
        state, since = "unknown", None
        for t, s, clock in self.changes:
            window = 0.0 if clock == item_clock else self.floor_ms + self.uncertainty_ms
            if abs(ts_ms - t) <= window and s != state:
                return "unknown"
            if t > ts_ms:
                break
            if s != state:
                state, since = s, t
        if state == "background" and since is not None and ts_ms - since < self.grace_ms:
            return "unknown"
        return state


def phases_of(sides: Sequence[str] | None, phase: str) -> tuple[str, ...]:
    return tuple(sides) if sides else (phase,)
