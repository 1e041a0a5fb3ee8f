"""Agent-protocol envelopes: the agent's messages that are not session events.

``hooks:ready`` / ``hooks:skipped`` / ``hooks:installed`` / ``hooks:pending`` / ``hooks:error`` /
``hooks:exiting`` / ``log`` validate into a pydantic
discriminated union; anything else the agent or Frida reports is kept as
:class:`UnparsedMessage` so the host logs it instead of crashing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")


class HooksReady(_Envelope):
    type: Literal["hooks:ready"]
    targets: int = Field(ge=0, description="targets with at least one hooked overload")
    skipped: int = 0
    pending: int = Field(0, description="targets whose class is not loaded yet (hooked when a class loader brings it)")
    categories: list[str] = Field(default_factory=list)


class HooksSkipped(_Envelope):
    type: Literal["hooks:skipped"]
    target: str
    reason: str


class HooksInstalled(_Envelope):
    """A target hooked after start-up, when the class loader that defines its class appeared."""

    type: Literal["hooks:installed"]
    target: str
    late: bool = True
    loader: str | None = None
    origin: str | None = None


class HooksPending(_Envelope):
    """The end-of-run summary: targets whose class never appeared in any class loader."""

    type: Literal["hooks:pending"]
    targets: list[str] = Field(default_factory=list)
    reason: str = "class never loaded"
    late_installed: int = 0


class HooksError(_Envelope):
    type: Literal["hooks:error"]
    target: str | None = None
    message: str = ""


class HooksExiting(_Envelope):
    """The process is exiting; the agent waits for "hooks:exit-ack" (every earlier message has arrived)."""

    type: Literal["hooks:exiting"]
    status: int | None = None


class LogMessage(_Envelope):
    type: Literal["log"]
    level: str = "info"
    message: str = ""


class UnparsedMessage(_Envelope):
    """A message the host could not use: kept verbatim with the reason."""

    type: Literal["unparsed"] = "unparsed"
    reason: str
    raw: Any = None


AgentMessage = Annotated[Union[HooksReady, HooksSkipped, HooksInstalled, HooksPending, HooksError, HooksExiting, LogMessage],
                         Field(discriminator="type")]
ProtocolMessage = Union[HooksReady, HooksSkipped, HooksInstalled, HooksPending, HooksError, HooksExiting, LogMessage, UnparsedMessage]
PROTOCOL_TYPES = frozenset({"hooks:ready", "hooks:skipped", "hooks:installed", "hooks:pending", "hooks:error", "hooks:exiting", "log"})

_adapter: TypeAdapter[Any] = TypeAdapter(AgentMessage)


def is_protocol_type(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") in PROTOCOL_TYPES


def parse_protocol(obj: Any) -> ProtocolMessage:
    """Validate one agent-protocol message; invalid ones come back as UnparsedMessage."""
    try:
        return _adapter.validate_python(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        return UnparsedMessage(reason=f"invalid agent message: {where}: {first['msg']}", raw=obj)
