"""Limits every decoder obeys, and the per-scan budget that enforces them.

Traffic is attacker data: a body may claim to be gzip and not be, expand a
thousandfold, nest JSON a hundred thousand levels deep or hide base64 in base64
in base64. Each decoder checks the budget before doing work and, when a limit
stops it, leaves a note instead of raising, so a scan always finishes and says
what it could not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DecodeLimits:
    max_input_bytes: int = 16 * 1024 * 1024  # bytes of one body considered at all
    max_decompressed_bytes: int = 32 * 1024 * 1024  # output cap of one decompression
    max_ratio: int = 1000  # decompressed/compressed beyond which we stop (bombs)
    max_depth: int = 8  # nested decodings (base64 in json in form ...)
    max_leaves: int = 20_000  # leaves emitted per flow direction
    max_json_depth: int = 64  # container nesting walked inside one JSON document
    max_expanded_bytes: int = 64 * 1024 * 1024  # all decoded output of one flow together
    max_leaf_chars: int = 1024 * 1024  # characters of one leaf given to the matchers
    min_blob_chars: int = 16  # shortest base64/hex run tried as an encoded blob
    max_multipart_parts: int = 256
    max_protobuf_fields: int = 4096

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"DecodeLimits.{name} must be a positive integer, got {value!r}")


@dataclass
class Budget:
    """What one scan has spent so far; notes say where a decoder gave up."""

    limits: DecodeLimits
    leaves: int = 0
    expanded_bytes: int = 0
    notes: list[str] = field(default_factory=list)
    _noted: set[str] = field(default_factory=set)

    def note(self, message: str) -> None:
        if message not in self._noted and len(self.notes) < 100:
            self._noted.add(message)
            self.notes.append(message)

    def take_leaf(self) -> bool:
        if self.leaves >= self.limits.max_leaves:
            self.note(f"leaf limit reached ({self.limits.max_leaves}); rest of the flow not decoded")
            return False
        self.leaves += 1
        return True

    def take_bytes(self, n: int, what: str) -> bool:
        if self.expanded_bytes + n > self.limits.max_expanded_bytes:
            self.note(f"{what}: expansion limit reached ({self.limits.max_expanded_bytes} bytes)")
            return False
        self.expanded_bytes += n
        return True
