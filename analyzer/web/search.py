"""Search and host filters of the findings page, in the form the indexes are built on.

On PostgreSQL migration 0006_dash_indexes builds trigram (pg_trgm) GIN indexes on
exactly these expressions, so ``q`` (a substring of the URL or of the value found) and
``host`` (the host or a subdomain of it) read index entries instead of every finding.
The planner matches an index only to the same expression, hence literal SQL here with no
bound parameters inside, copied verbatim into the migration (a test checks the plans).
Elsewhere (SQLite) the same filters are plain LIKE over the report JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, literal_column, or_

from analyzer.store import models as m

# Keep these two in step with analyzer/store/migrations/versions/0006_dash_indexes.py.
PG_SEARCH_TEXT = (
    "(coalesce(findings.data -> 'flow' ->> 'url', '') || chr(10) || "
    "coalesce(findings.data -> 'evidence' ->> 'value', '') || chr(10) || "
    "coalesce(findings.data -> 'evidence' ->> 'matched', ''))"
)
PG_HOST = "lower(coalesce(findings.data -> 'destination' ->> 'host', findings.data -> 'flow' ->> 'host', ''))"

_F = m.Finding


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(dialect: str, needle: str) -> Any:
    """Findings whose URL or value contains NEEDLE (case-insensitive)."""
    pattern = "%" + _like_escape(needle) + "%"
    if dialect == "postgresql":
        return literal_column(PG_SEARCH_TEXT).ilike(pattern, escape="\\")
    cols = (_F.data["flow"]["url"].as_string(), _F.data["evidence"]["value"].as_string(),
            _F.data["evidence"]["matched"].as_string())
    return or_(*(func.lower(func.coalesce(c, literal(""))).like(pattern.lower(), escape="\\") for c in cols))


def host_condition(dialect: str, host: str, generic_host_expr: Any) -> Any:
    """Findings sent to HOST or a subdomain of it (HOST lower-cased, no trailing dot)."""
    expr = literal_column(PG_HOST) if dialect == "postgresql" else generic_host_expr
    return or_(expr == host, expr.like("%." + _like_escape(host), escape="\\"))
