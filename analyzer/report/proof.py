"""The proof of each request that carried personal data: request line, headers, status,
server address and (with a GeoIP database) its country.

Read once per report from the store, so findings only point at their request
(``flow.id``) instead of repeating it per personal-data item.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Iterable

from analyzer.correlate.timeline import iso
from analyzer.models.flow import FlowRecord
from analyzer.models.report import RequestProof

GEOIP_ENV = "CONSENTRY_GEOIP_DB"
MAX_HEADERS = 60
MAX_HEADER_CHARS = 2000
BODY_PREVIEW_BYTES = 2048


class GeoIpError(ValueError):
    """The configured GeoIP database cannot be read (one-line message)."""


def split_server_addr(addr: str | None) -> tuple[str | None, int | None]:
    """``1.2.3.4:443`` / ``[::1]:443`` / ``1.2.3.4`` -> (ip, port)."""
    if not addr:
        return None, None
    text = addr.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
        return host or None, int(port) if port.isdigit() else None
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host or None, int(port) if port.isdigit() else None
    return text, None


class GeoIp:
    """Country lookups in a MaxMind DB file (GeoLite2-Country / GeoIP2-Country / DB-IP lite)."""

    def __init__(self, path: str) -> None:
        try:
            import maxminddb
        except ImportError:  # pragma: no cover - a declared dependency
            raise GeoIpError("GeoIP lookups need the maxminddb package") from None
        try:
            self._reader = maxminddb.open_database(path)
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise GeoIpError(f"cannot read GeoIP database {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        self.path = path

    def country(self, ip: str | None) -> str | None:
        if not ip:
            return None
        try:
            record = self._reader.get(ip)
        except (ValueError, RuntimeError):  # not an address, or a corrupt record
            return None
        if not isinstance(record, dict):
            return None
        country = record.get("country") or record.get("registered_country") or {}
        code = country.get("iso_code") if isinstance(country, dict) else None
        return str(code) if code else None


@lru_cache(maxsize=4)
def _open_geoip(path: str) -> GeoIp:
    return GeoIp(path)


def configured_geoip(path: str | None = None) -> GeoIp | None:
    """The GeoIP database given (``--geoip``) or configured (CONSENTRY_GEOIP_DB), if any."""
    path = path or os.environ.get(GEOIP_ENV)
    return _open_geoip(path) if path else None


def _headers(flow: FlowRecord) -> tuple[list[list[str]], bool]:
    rows = [[str(k), str(v)[:MAX_HEADER_CHARS]] for k, v in flow.request_headers[:MAX_HEADERS]]
    return rows, len(flow.request_headers) > MAX_HEADERS


def body_preview(data: bytes) -> str | None:
    if not data:
        return None
    text = data[:BODY_PREVIEW_BYTES].decode("utf-8", "replace")
    return text + ("…" if len(data) > BODY_PREVIEW_BYTES else "")


def request_proof(flow: FlowRecord, finding_ids: list[str], geoip: GeoIp | None = None) -> RequestProof:
    ip, port = split_server_addr(flow.server_addr)
    headers, cut = _headers(flow)
    return RequestProof(
        id=flow.id, seq=flow.seq, method=flow.method, url=flow.url, http_version=flow.http_version, host=flow.host,
        ts=iso(flow.ts_start), request_headers=headers, truncated_headers=cut,
        request_body_size=flow.request_body_size or len(flow.request_body), request_body_preview=body_preview(flow.request_body),
        status_code=flow.status_code, reason=flow.reason, server_ip=ip, server_port=port or flow.port,
        country=geoip.country(ip) if geoip is not None else None, tls=flow.tls, sni=flow.sni, error=flow.error,
        finding_ids=finding_ids,
    )


def request_proofs(store, session_id, findings: Iterable[dict[str, Any]], geoip: GeoIp | None = None) -> list[RequestProof]:
    """Proof of every request some finding points at, in capture order."""
    by_flow: dict[str, list[str]] = {}
    for f in findings:
        flow = f.get("flow") or {}
        if flow.get("id"):
            by_flow.setdefault(str(flow["id"]), []).append(f["id"])
    if not by_flow:
        return []
    return [request_proof(flow, by_flow[flow.id], geoip) for flow in store.iter_flows(session_id) if flow.id in by_flow]
