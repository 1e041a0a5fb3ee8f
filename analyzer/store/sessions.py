"""Sessions: one recorded run of one app on one device, and what it counts."""

from __future__ import annotations

import uuid
from typing import Any, Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session as OrmSession

from analyzer.store import models as m
from analyzer.store.db import StoreError
from analyzer.store.types import utcnow
from analyzer.store.ui_evidence import delete_orphan_ui_blobs

SESSION_STATUSES = (
    "recording", "finished", "app_crashed", "detached", "proxy_error", "interrupted", "imported", "error",
)


class SessionNotFound(StoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no session named {name!r} (see `consentry sessions list`)")


def validate_session_name(name: str) -> None:
    if not name or len(name) > 200 or any(c in name for c in "/\\\x00\n\r\t") or name.strip() != name:
        raise StoreError(f"invalid session name {name!r}: 1-200 characters, no slashes, tabs or newlines")


class SessionsMixin:
    def create_session(
        self,
        name: str,
        *,
        app: tuple[str, str] | None = None,
        device: dict[str, Any] | None = None,
        consent_choice: str | None = None,
        status: str = "recording",
        meta: dict[str, Any] | None = None,
        first_party_domains: Sequence[str] = (),
        exist_ok: bool = False,
    ) -> m.Session:
        validate_session_name(name)
        with self.session() as s:
            existing = s.scalar(select(m.Session).where(m.Session.name == name))
            if existing is not None:
                if exist_ok:
                    return existing
                raise StoreError(f"a session named {name!r} already exists")
            row = m.Session(
                name=name,
                status=status,
                consent_choice=consent_choice,
                started_at=utcnow(),
                meta=meta or {},
            )
            if app is not None:
                row.app_id = self._app_id(s, app[0], app[1] or "", first_party_domains)
            if device is not None:
                dev = m.Device(
                    kind=device.get("kind", "manual"),
                    serial=device.get("serial"),
                    name=device.get("name"),
                    info={k: v for k, v in device.items() if k not in ("kind", "serial", "name")},
                )
                s.add(dev)
                s.flush()
                row.device_id = dev.id
            s.add(row)
        return self.get_session(name)

    def ensure_session(self, name: str, **kwargs: Any) -> m.Session:
        return self.create_session(name, exist_ok=True, **kwargs)

    @staticmethod
    def _app_id(s: OrmSession, package: str, version: str, domains: Sequence[str]) -> uuid.UUID:
        app = s.scalar(select(m.App).where(m.App.package == package, m.App.version == version))
        if app is None:
            app = m.App(package=package, version=version, first_party_domains=list(domains))
            s.add(app)
            s.flush()
        elif domains and not app.first_party_domains:
            app.first_party_domains = list(domains)
        return app.id

    def get_session(self, name: str) -> m.Session:
        with self.session() as s:
            row = s.scalar(select(m.Session).where(m.Session.name == name))
            if row is None:
                raise SessionNotFound(name)
            return row

    def find_session(self, name: str) -> m.Session | None:
        try:
            return self.get_session(name)
        except SessionNotFound:
            return None

    def update_session(self, name: str, **fields: Any) -> m.Session:
        status = fields.get("status")
        if status is not None and status not in SESSION_STATUSES:
            raise StoreError(f"unknown session status {status!r}")
        row = self.get_session(name)
        with self.session() as s:
            s.execute(update(m.Session).where(m.Session.id == row.id).values(**fields))
        return self.get_session(name)

    def set_session_app(self, name: str, package: str, version: str = "", first_party_domains: Sequence[str] = ()) -> None:
        row = self.get_session(name)
        with self.session() as s:
            app_id = self._app_id(s, package, version, first_party_domains)
            s.execute(update(m.Session).where(m.Session.id == row.id).values(app_id=app_id))

    def list_sessions(self, *, app: str | None = None) -> list[m.Session]:
        with self.session() as s:
            q = select(m.Session).order_by(m.Session.created_at, m.Session.name)
            if app:
                q = q.join(m.App, m.Session.app_id == m.App.id).where(m.App.package == app)
            return list(s.scalars(q).unique())

    def delete_session(self, name: str) -> None:
        """Delete a session and everything recorded in it, and bodies no other session uses."""
        row = self.get_session(name)
        with self.session() as s:
            shas = self._session_body_shas(s, row.id)
            delete_orphan_ui_blobs(s, row.id)
            s.execute(delete(m.Session).where(m.Session.id == row.id))
            self._delete_orphan_bodies(s, shas)

    def counts(self, session_id: uuid.UUID) -> dict[str, Any]:
        with self.session() as s:
            flows = s.scalar(select(func.count()).select_from(m.Flow).where(m.Flow.session_id == session_id))
            errors = s.scalar(
                select(func.count()).select_from(m.Flow).where(m.Flow.session_id == session_id, m.Flow.error.is_not(None))
            )
            by_type = dict(
                s.execute(
                    select(m.Event.type, func.count()).where(m.Event.session_id == session_id).group_by(m.Event.type)
                ).all()
            )
            idents = s.scalar(select(func.count()).select_from(m.Identifier).where(m.Identifier.session_id == session_id))
        return {
            "flows": flows or 0,
            "flow_errors": errors or 0,
            "events": sum(by_type.values()),
            "events_by_type": dict(sorted(by_type.items())),
            "identifiers": idents or 0,
        }
