"""Correlation: the consent timeline, foreground/background state, and which hooked
call produced a value a flow carries."""

from analyzer.correlate.calls import ApiCall, CallIndex, normalize_ret
from analyzer.correlate.timeline import (
    AMBIGUOUS,
    DEVICE,
    GRANTED,
    PRE,
    REFUSED,
    WITHDRAWN,
    WORKSTATION,
    ConsentTimeline,
    ForegroundTimeline,
    Mark,
    Placement,
    Transition,
    classify_click,
    iso,
)

__all__ = [
    "AMBIGUOUS", "DEVICE", "GRANTED", "PRE", "REFUSED", "WITHDRAWN", "WORKSTATION",
    "ApiCall", "CallIndex", "ConsentTimeline", "ForegroundTimeline", "Mark", "Placement",
    "Transition", "classify_click", "iso", "normalize_ret",
]
