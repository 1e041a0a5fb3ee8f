"""HookSession: attaches the agent to a process and turns its messages into events.

Runs on Frida's message thread: callbacks must be quick and must not raise (a raising
callback is logged and kept as an UnparsedMessage, never allowed to kill the session).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Literal

import frida
from pydantic import BaseModel, ConfigDict, Field, field_validator

from analyzer.hooks.bundle import build_agent_source
from analyzer.hooks.protocol import HooksError, HooksExiting, HooksInstalled, HooksPending, HooksReady, HooksSkipped, LogMessage, ProtocolMessage, UnparsedMessage, is_protocol_type, parse_protocol
from analyzer.models.events import Event, EventParseError, parse_event


log = logging.getLogger("consentry.hooks")


class HookSessionError(RuntimeError):
    """Attaching, loading or driving the agent failed; the message is one line."""


class HookConfig(BaseModel):
    """What init(config) sends to the agent."""

    model_config = ConfigDict(extra="forbid")
    canary: dict[str, str] | None = None
    batch_ms: int = Field(250, ge=10, le=60_000)
    stack_depth: int = Field(12, ge=1, le=256)
    categories: list[str] | None = None
    exit_handshake: bool = Field(True, description="agent waits at Runtime.exit until the host has every message")
    process: str | None = Field(None, max_length=256, description="the app process hooked (':push'); set on every event it reports")
    proxy_ca_pem: str | None = Field(None, max_length=65_536, description="the proxy's CA (PEM): unpinning lets chains it issued pass, nothing else")

    @field_validator("canary")
    @classmethod
    def _canary_values(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None and "location" in v:
            lat, _, lon = v["location"].partition(",")
            try:
                float(lat), float(lon)
            except ValueError:
                raise ValueError("canary location must be 'lat,lon'") from None
        return v


EventCallback = Callable[[Event], None]
ProtocolCallback = Callable[[ProtocolMessage], None]
DetachCallback = Callable[[str], None]


class HookSession:
    """The agent in one process: ``load()``, ``wait_ready()``, drive, ``unload()``.

    ``events`` and ``protocol`` keep everything received, in arrival order.
    """

    def __init__(
        self,
        pid: int,
        *,
        device: frida.core.Device | None = None,
        categories: list[str] | None = None,
        config: HookConfig | dict[str, Any] | None = None,
        on_event: EventCallback | None = None,
        on_protocol: ProtocolCallback | None = None,
        on_detached: DetachCallback | None = None,
    ) -> None:
        self.pid = pid
        self.device = device
        self.categories = categories
        self.config = config if isinstance(config, HookConfig) else HookConfig.model_validate(config or {})
        if self.config.categories is None:
            self.config = self.config.model_copy(update={"categories": categories})
        self.on_event = on_event
        self.on_protocol = on_protocol
        self.on_detached = on_detached
        self.events: list[Event] = []
        self.protocol: list[ProtocolMessage] = []
        self.console: list[str] = []
        self.detached_reason: str | None = None
        self._ready = threading.Event()
        self._detached = threading.Event()
        self._ready_message: HooksReady | None = None
        self._lock = threading.Lock()
        self._session: frida.core.Session | None = None
        self._script: frida.core.Script | None = None

    # ---- lifecycle -------------------------------------------------------------

    def load(self) -> None:
        """Attach, load the agent and send init(config). Raises HookSessionError."""
        try:
            source = build_agent_source(self.categories)
        except ValueError as exc:
            raise HookSessionError(str(exc)) from None
        try:
            device = self.device or frida.get_local_device()
            self._session = device.attach(self.pid)
            self._session.on("detached", self._handle_detached)
            self._script = self._session.create_script(source, name="consentry")
            self._script.on("message", self._handle_message)
            self._script.set_log_handler(self._handle_console)
            self._script.load()
            self._script.exports_sync.init(self.config.model_dump(mode="json"))
        except (frida.ProcessNotFoundError, frida.ProcessNotRespondingError) as exc:
            raise HookSessionError(f"cannot attach to pid {self.pid}: {exc}") from None
        except frida.PermissionDeniedError as exc:
            raise HookSessionError(f"not allowed to attach to pid {self.pid}: {exc}") from None
        except (frida.InvalidOperationError, frida.TransportError) as exc:
            raise HookSessionError(f"agent lost while loading into pid {self.pid}: {exc}") from None
        except frida.InvalidArgumentError as exc:
            raise HookSessionError(f"agent did not compile: {exc}") from None

    def wait_ready(self, timeout: float = 15.0) -> HooksReady:
        """Blocks until the agent reports its hooks installed; raises on timeout or detach."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.05):
            if self._detached.is_set():
                raise HookSessionError(f"process detached before the hooks were ready ({self.detached_reason})")
            if time.monotonic() > deadline:
                raise HookSessionError(f"hooks not ready after {timeout:g} s")
        assert self._ready_message is not None
        return self._ready_message

    def unload(self) -> None:
        """Flush the pending counts, unload the agent and detach; safe to call twice or after exit."""
        script, session = self._script, self._session
        if script is not None and not self._detached.is_set():
            try:
                # flush() as an RPC: its reply comes after the messages it sent, which an
                # unload could otherwise cut off. Same for the never-loaded targets' summary.
                script.exports_sync.flush()
                script.exports_sync.report_pending()
            except (frida.InvalidOperationError, frida.TransportError, frida.core.RPCException):
                pass
        self._script = self._session = None
        if script is not None and not self._detached.is_set():
            try:
                script.unload()
            except (frida.InvalidOperationError, frida.TransportError):
                pass
        if session is not None and not self._detached.is_set():
            try:
                session.detach()
            except (frida.InvalidOperationError, frida.TransportError):
                pass

    def __enter__(self) -> "HookSession":
        self.load()
        return self

    def __exit__(self, *exc: object) -> None:
        self.unload()

    @property
    def detached(self) -> bool:
        return self._detached.is_set()

    def wait_detached(self, timeout: float) -> bool:
        return self._detached.wait(timeout)

    # ---- driving ---------------------------------------------------------------

    def _rpc(self, name: str, *args: Any) -> Any:
        if self._script is None or self._detached.is_set():
            raise HookSessionError(f"cannot call {name}(): agent not loaded")
        try:
            return getattr(self._script.exports_sync, name)(*args)
        except frida.core.RPCException as exc:
            raise HookSessionError(f"{name}() failed in the agent: {str(exc).splitlines()[0]}") from None
        except (frida.InvalidOperationError, frida.TransportError) as exc:
            raise HookSessionError(f"{name}() failed: agent gone ({exc})") from None

    def click_dialog(self, which: Literal["positive", "negative"]) -> dict[str, Any]:
        """Clicks the last shown dialog's button; {"clicked": bool, ...}."""
        if which not in ("positive", "negative"):
            raise HookSessionError("which must be 'positive' or 'negative'")
        return self._rpc("click_dialog_button", which)

    def click_view(self, text: str) -> dict[str, Any]:
        """Clicks a view showing exactly this text; {"clicked": bool, ...}."""
        return self._rpc("click_view_by_text", text)

    def flush(self) -> int:
        """Sends the batched API-call counts now; returns how many events went out."""
        return int(self._rpc("flush"))

    def status(self) -> dict[str, Any]:
        return self._rpc("status")

    # ---- views over what arrived ----------------------------------------------

    def events_of(self, etype: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.type == etype]

    @property
    def skipped(self) -> list[HooksSkipped]:
        with self._lock:
            return [m for m in self.protocol if isinstance(m, HooksSkipped)]

    @property
    def late_installed(self) -> list[HooksInstalled]:
        """Targets hooked after start-up, when their class loader appeared."""
        with self._lock:
            return [m for m in self.protocol if isinstance(m, HooksInstalled)]

    @property
    def pending(self) -> list[str] | None:
        """Targets whose class never appeared (the agent's end summary); None before the end."""
        with self._lock:
            summaries = [m for m in self.protocol if isinstance(m, HooksPending)]
        return summaries[-1].targets if summaries else None

    # ---- Frida callbacks (message thread) ---------------------------------------

    def _handle_message(self, message: dict[str, Any], data: bytes | None) -> None:
        mtype = message.get("type")
        if mtype == "send":
            self._dispatch(message.get("payload"))
        elif mtype == "error":
            text = str(message.get("description", "script error"))
            self._record_protocol(UnparsedMessage(reason=f"agent script error: {text}", raw={k: message.get(k) for k in ("description", "stack", "fileName", "lineNumber")}))
        else:
            self._record_protocol(UnparsedMessage(reason=f"unknown Frida message type {mtype!r}", raw=message))

    def _dispatch(self, payload: Any) -> None:
        if is_protocol_type(payload):
            msg = parse_protocol(payload)
            if isinstance(msg, HooksReady):
                self._ready_message = msg
                self._ready.set()
            self._record_protocol(msg)
            if isinstance(msg, HooksExiting):
                self._acknowledge_exit()
            return
        try:
            event = parse_event(payload)
        except EventParseError as exc:
            self._record_protocol(UnparsedMessage(reason=str(exc), raw=payload))
            return
        with self._lock:
            self.events.append(event)
        if self.on_event is not None:
            self._safely(self.on_event, event)

    def _acknowledge_exit(self) -> None:
        script = self._script
        if script is None:
            return
        try:
            script.post({"type": "hooks:exit-ack"})
        except (frida.InvalidOperationError, frida.TransportError):
            pass

    def _record_protocol(self, msg: ProtocolMessage) -> None:
        with self._lock:
            self.protocol.append(msg)
        if isinstance(msg, UnparsedMessage):
            log.warning("pid %s: %s", self.pid, msg.reason)
        elif isinstance(msg, HooksError):
            log.warning("pid %s: hook error in %s: %s", self.pid, msg.target, msg.message)
        elif isinstance(msg, HooksSkipped):
            log.debug("pid %s: skipped %s (%s)", self.pid, msg.target, msg.reason)
        if self.on_protocol is not None:
            self._safely(self.on_protocol, msg)

    def _safely(self, callback: Callable[[Any], None], arg: Any) -> None:
        try:
            callback(arg)
        except Exception as exc:  # noqa: BLE001 - a user callback must not kill Frida's message thread
            reason = f"callback raised {type(exc).__name__}: {exc}"
            log.warning("pid %s: %s", self.pid, reason)
            with self._lock:
                self.protocol.append(UnparsedMessage(reason=reason, raw=None))

    def _handle_console(self, level: str, text: str) -> None:
        with self._lock:
            self.console.append(text)
        self._record_protocol(LogMessage(type="log", level=level, message=text, source="console"))

    def _handle_detached(self, reason: str, crash: Any = None) -> None:
        self.detached_reason = str(reason)
        self._detached.set()
        if self.on_detached is not None:
            try:
                self.on_detached(self.detached_reason)
            except Exception:  # noqa: BLE001 - see _safely
                pass
