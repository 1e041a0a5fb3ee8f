"""Limits every decoder obeys, and the per-scan budget that enforces them.

Traffic is attacker data: a body may claim to be gzip and not be, expand a
thousandfold, nest JSON a hundred thousand levels deep or hide base64 in base64
in base64. Each decoder checks the budget before doing work and, when a limit
stops it, leaves a note instead of raising, so a scan always finishes and says
what it could not see.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DecodeLimits:
    max_input_bytes: int = 8 * 1024 * 1024  # bytes of one body (plain or decoded) considered at all
    max_decompressed_bytes: int = 8 * 1024 * 1024  # output cap of one decompression (= max_input_bytes: more is cut anyway)
    max_ratio: int = 1000  # decompressed/compressed beyond which we stop (bombs)
    max_depth: int = 8  # nested decodings (base64 in json in form ...)
    max_leaves: int = 20_000  # leaves emitted per flow direction
    max_json_depth: int = 64  # container nesting walked inside one JSON document
    max_expanded_bytes: int = 64 * 1024 * 1024  # all decoded output of one flow together
    max_leaf_chars: int = 1024 * 1024  # characters of one leaf given to the matchers
    min_blob_chars: int = 16  # shortest base64/hex run tried as an encoded blob
    max_multipart_parts: int = 256
    max_protobuf_fields: int = 4096
    max_header_chars: int = 64 * 1024  # characters of one header value walked
    max_flow_ms: int = 5000  # time one flow may take to decode and match
    max_session_decoded_bytes: int = 512 * 1024 * 1024  # decompressed output of a whole analysis

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"DecodeLimits.{name} must be a positive integer, got {value!r}")


@dataclass
class SessionBudget:
    """What a whole analysis (all flows of a session) has spent, so no input can exhaust the process.

    Per-flow limits alone let 250 flows of 1000:1 gzip each take their full share; this
    caps the decompressed bytes of the whole run and counts the flows a limit stopped.
    """

    limits: DecodeLimits
    decoded_bytes: int = 0
    flows_cut: int = 0  # flows whose bodies were not fully decoded (a limit, a bomb, the clock)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return max(0, self.limits.max_session_decoded_bytes - self.decoded_bytes)

    def flow_done(self, budget: "Budget") -> None:
        if budget.limited:
            self.flows_cut += 1
            for reason in budget.limited:
                self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def summary_line(self) -> str | None:
        if not self.flows_cut:
            return None
        why = ", ".join(f"{reason} {n}" for reason, n in sorted(self.reasons.items()))
        return f"{self.flows_cut} flows not fully decoded: budget ({why})"


@dataclass
class Budget:
    """What one scan has spent so far; notes say where a decoder gave up."""

    limits: DecodeLimits
    leaves: int = 0
    expanded_bytes: int = 0
    notes: list[str] = field(default_factory=list)
    session: SessionBudget | None = None
    limited: set[str] = field(default_factory=set)  # which limits stopped this flow: size, ratio, time, ...
    _noted: set[str] = field(default_factory=set)
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.limits.max_flow_ms / 1000.0

    def note(self, message: str, limit: str | None = None) -> None:
        if limit is not None:
            self.limited.add(limit)
        if message not in self._noted and len(self.notes) < 100:
            self._noted.add(message)
            self.notes.append(message)

    def out_of_time(self) -> bool:
        if "time" in self.limited:
            return True
        if time.monotonic() > self._deadline:
            self.note(f"time limit reached ({self.limits.max_flow_ms} ms); rest of the flow not decoded", "time")
            return True
        return False

    def take_leaf(self) -> bool:
        if self.leaves >= self.limits.max_leaves:
            self.note(f"leaf limit reached ({self.limits.max_leaves}); rest of the flow not decoded", "leaves")
            return False
        if (self.leaves & 63) == 0 and self.out_of_time():
            return False
        self.leaves += 1
        return True

    def decode_room(self) -> int:
        """Bytes a decompression may still produce in this flow (and this session)."""
        room = self.limits.max_expanded_bytes - self.expanded_bytes
        if self.session is not None:
            room = min(room, self.session.remaining)
        return max(0, room)

    def spend_decoded(self, n: int) -> None:
        self.expanded_bytes += n
        if self.session is not None:
            self.session.decoded_bytes += n

    def take_bytes(self, n: int, what: str) -> bool:
        if self.expanded_bytes + n > self.limits.max_expanded_bytes:
            self.note(f"{what}: expansion limit reached ({self.limits.max_expanded_bytes} bytes)", "expansion")
            return False
        if self.session is not None and n > self.session.remaining:
            self.note(f"{what}: the analysis' decoding budget is spent "
                      f"({self.limits.max_session_decoded_bytes} bytes)", "session")
            return False
        if self.out_of_time():
            return False
        self.expanded_bytes += n
        return True
