"""The store's tables (SQLAlchemy 2 typed models).

One session holds everything recorded in one run: flows (with bodies stored once,
content-addressed), session events (hook messages, manual marks, imports), the
identifier set, and analysis runs with their findings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from analyzer.store.types import PortableJSON, UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: PortableJSON, list[Any]: PortableJSON, dt.datetime: UTCDateTime}


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(32))  # lab | usb | import | manual
    serial: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(255))
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)  # OS version, frida version, ...
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class App(Base):
    __tablename__ = "apps"
    __table_args__ = (UniqueConstraint("package", "version", name="uq_apps_package_version"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    package: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str | None] = mapped_column(String(255))
    first_party_domains: Mapped[list[Any]] = mapped_column(default=list)


class Session(Base):
    __tablename__ = "sessions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    app_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    # recording | finished | app_crashed | detached | proxy_error | interrupted | imported | error
    status: Mapped[str] = mapped_column(String(32), default="recording")
    status_detail: Mapped[str | None] = mapped_column(Text)
    consent_choice: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column()
    # device clock minus workstation clock, and how sure we are (± ms)
    clock_offset_ms: Mapped[float] = mapped_column(Float, default=0.0)
    clock_uncertainty_ms: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)

    app: Mapped[App | None] = relationship(lazy="joined")
    device: Mapped[Device | None] = relationship(lazy="joined")


class Body(Base):
    """A request/response/websocket payload, stored once per distinct content."""

    __tablename__ = "bodies"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of the stored bytes
    size: Mapped[int] = mapped_column(BigInteger)  # stored length
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Flow(Base):
    __tablename__ = "flows"
    __table_args__ = (
        Index("ix_flows_session_ts", "session_id", "ts_start"),
        UniqueConstraint("session_id", "seq", name="uq_flows_session_seq"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="proxy")  # proxy | import | hook
    method: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str] = mapped_column(String(16), default="")
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int | None] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text, default="")
    http_version: Mapped[str] = mapped_column(String(16), default="HTTP/1.1")
    request_headers: Mapped[list[Any]] = mapped_column(default=list)  # [[name, value], ...] in order
    request_body_sha: Mapped[str | None] = mapped_column(ForeignKey("bodies.sha256"))
    request_body_size: Mapped[int] = mapped_column(BigInteger, default=0)  # original size
    request_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(255))
    response_headers: Mapped[list[Any]] = mapped_column(default=list)
    response_body_sha: Mapped[str | None] = mapped_column(ForeignKey("bodies.sha256"))
    response_body_size: Mapped[int] = mapped_column(BigInteger, default=0)
    response_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    ts_start: Mapped[dt.datetime] = mapped_column()
    ts_request_end: Mapped[dt.datetime | None] = mapped_column()
    ts_response_start: Mapped[dt.datetime | None] = mapped_column()
    ts_end: Mapped[dt.datetime | None] = mapped_column()
    tls: Mapped[bool] = mapped_column(Boolean, default=False)
    tls_version: Mapped[str | None] = mapped_column(String(32))
    sni: Mapped[str | None] = mapped_column(String(255))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    server_addr: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    is_websocket: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WebSocketMessage(Base):
    __tablename__ = "websocket_messages"
    __table_args__ = (UniqueConstraint("flow_id", "seq", name="uq_ws_flow_seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    from_client: Mapped[bool] = mapped_column(Boolean)
    is_text: Mapped[bool] = mapped_column(Boolean)
    body_sha: Mapped[str | None] = mapped_column(ForeignKey("bodies.sha256"))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    ts: Mapped[dt.datetime] = mapped_column()


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_session_ts", "session_id", "ts"),
        UniqueConstraint("session_id", "seq", name="uq_events_session_seq"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    ts_source_ms: Mapped[float] = mapped_column(Float)  # as sent, on the source's clock
    # on the workstation clock (source ts corrected by the session's clock offset)
    ts: Mapped[dt.datetime] = mapped_column()
    received_at: Mapped[dt.datetime | None] = mapped_column()
    origin: Mapped[str] = mapped_column(String(16), default="hook")  # hook | manual | import
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the event as JSON
    warning: Mapped[str | None] = mapped_column(Text)


class Identifier(Base):
    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("session_id", "kind", "value", name="uq_identifiers_session_kind_value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # hook | profile | manual | canary | api_call
    first_seen: Mapped[dt.datetime | None] = mapped_column()


class AnalysisRun(Base):
    __tablename__ = "analysis_runs"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    tool_version: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verdicts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # rule -> count, for replay --all


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_run", "run_id"),)
    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64))  # stable finding id (hash of what it means + where)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(32))
    pii_type: Mapped[str | None] = mapped_column(String(32))
    flow_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    ts: Mapped[dt.datetime] = mapped_column()
    sdk: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[str] = mapped_column(String(8))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the finding as report JSON
