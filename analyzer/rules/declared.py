"""Declared practice: the app's published third-party SDK list and data types, checked
against what the session shows (rules ``undisclosed-sdk`` and ``undisclosed-data``).

Chinese privacy policies must publish a "third-party SDK list" (SDK, provider, data
collected); GDPR notices name recipients and data categories. The tester writes what
the app declares in a small YAML or JSON file::

    app: com.labshop.leaky            # optional, checked against the session's package
    data: [android_id, location]      # data types the app itself declares
    sdks:
      - id: umeng                     # a catalogue id, or `name:` (English or Chinese)
        data: [imei, android_id, oaid]
      - name: 高德定位
        data: [location]

A finding attributed to an SDK that is not listed breaks ``undisclosed-sdk``; a finding
whose data type the SDK's entry (or, for the app's own code and first-party
destinations, the app's ``data``) does not list breaks ``undisclosed-data``. An SDK
entry without ``data`` declares the SDK but no data types (every type it handles is
undisclosed); give ``data: ["*"]`` for "any". The declaration is saved with the session
(``consentry analyze --declared FILE``); the rules run only for sessions that have one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from analyzer.models.events import PII_KINDS

META_KEY = "declared_practice"
DISCLOSURE_RULES = ("undisclosed-sdk", "undisclosed-data")
MAX_BYTES = 1024 * 1024


class DeclarationError(ValueError):
    """An unreadable or invalid declaration file (one-line message)."""


@lru_cache(maxsize=1)
def disclosure_rule_infos() -> tuple[dict[str, Any], ...]:
    text = resources.files("analyzer.rules").joinpath("declared_rules.json").read_text("utf-8")
    return tuple(json.loads(text)["rules"])


def read_declaration(path: str | Path) -> dict[str, Any]:
    from analyzer.fileio import JsonFileError, read_data_file

    try:
        data = read_data_file(path, what="declaration", max_bytes=MAX_BYTES)
    except JsonFileError as exc:
        raise DeclarationError(str(exc)) from None
    return validate_declaration(data, str(path))


def _kinds(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DeclarationError(f"{where}: data must be a list of data types")
    unknown = [v for v in value if v != "*" and v not in PII_KINDS]
    if unknown:
        raise DeclarationError(f"{where}: unknown data type {unknown[0]!r} (types: {' '.join(PII_KINDS)})")
    return list(value)


def validate_declaration(data: Any, where: str = "declaration") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DeclarationError(f"{where}: expected an object with sdks and data")
    sdks = data.get("sdks", [])
    if not isinstance(sdks, list):
        raise DeclarationError(f"{where}: sdks must be a list")
    out_sdks = []
    for i, entry in enumerate(sdks):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not (isinstance(entry.get("id"), str) or isinstance(entry.get("name"), str)):
            raise DeclarationError(f"{where}: sdks entry {i + 1} needs an id or a name")
        item = {k: entry[k] for k in ("id", "name") if isinstance(entry.get(k), str)}
        if "data" in entry:
            item["data"] = _kinds(entry["data"], f"{where}: {item.get('id') or item.get('name')}")
        out_sdks.append(item)
    app = data.get("app")
    if app is not None and not isinstance(app, str):
        raise DeclarationError(f"{where}: app must be a package name")
    return {"app": app, "data": _kinds(data.get("data"), f"{where}: data"), "sdks": out_sdks}


@dataclass
class DeclaredPractice:
    """A declaration resolved against the session's SDK catalogue."""

    app_data: frozenset[str]
    sdk_data: dict[str, frozenset[str]] = field(default_factory=dict)  # catalogue id -> declared types
    unresolved: list[str] = field(default_factory=list)  # names the catalogue does not know

    @classmethod
    def resolve(cls, declaration: dict[str, Any], signatures) -> "DeclaredPractice":
        by_name: dict[str, str] = {}
        for sdk in signatures.sdks.values():
            for label in (sdk.id, sdk.name, sdk.name_zh):
                if label:
                    by_name[label.strip().lower()] = sdk.id
        sdk_data: dict[str, frozenset[str]] = {}
        unresolved = []
        for entry in declaration.get("sdks", []):
            key = (entry.get("id") or entry.get("name") or "").strip().lower()
            sdk_id = by_name.get(key)
            if sdk_id is None:
                unresolved.append(entry.get("id") or entry.get("name"))
                continue
            sdk_data[sdk_id] = sdk_data.get(sdk_id, frozenset()) | frozenset(entry.get("data", []))
        return cls(frozenset(declaration.get("data", [])), sdk_data, unresolved)

    def rules_broken(self, sdk_id: str | None, pii_type: str | None, *, app_side: bool) -> list[str]:
        """Disclosure rules a finding breaks: its SDK (if attributed) and its data type."""
        if sdk_id is not None:
            if sdk_id not in self.sdk_data:
                return ["undisclosed-sdk"]
            declared = self.sdk_data[sdk_id]
        elif app_side:
            declared = self.app_data
        else:
            return []  # an unattributed third party: nothing to compare with
        if pii_type and "*" not in declared and pii_type not in declared:
            return ["undisclosed-data"]
        return []


def session_declaration(session: Any) -> dict[str, Any] | None:
    meta = getattr(session, "meta", None) or {}
    value = meta.get(META_KEY)
    return value if isinstance(value, dict) else None
