"""Finding ids and the report-JSON shape of findings.

An id is a hash of what a finding means and where it is (rule, phase, PII type, the
flow's capture sequence number or the API-call event's sequence number, location,
path, value): the same stored session analysed with the same ruleset gives the same
ids and the same bytes, and a re-analysis does not renumber anything.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from analyzer.correlate.calls import ApiCall

MAX_REQUEST_LINE = 2000


def finding_id(*parts: Any) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def api_call_ref(call: ApiCall, sdk: str | None) -> dict[str, Any]:
    return {
        "api": call.api,
        "ts": call.first_ts_iso,
        "kind": call.kind,
        "ret": call.ret_json(),
        "stack": list(call.stack),
        "count": call.count,
        "sdk": sdk,
    }


def request_line(method: str, url: str) -> str:
    line = f"{method} {url}"
    return line if len(line) <= MAX_REQUEST_LINE else line[:MAX_REQUEST_LINE] + "…"


def sort_key(finding: dict[str, Any]) -> tuple[str, str]:
    return (finding["ts"], finding["id"])


def dump_findings(findings: list[dict[str, Any]]) -> str:
    """Canonical text of a findings list (stable key order; used for comparisons)."""
    return json.dumps(findings, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
