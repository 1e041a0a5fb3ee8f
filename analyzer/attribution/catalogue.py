"""User SDK catalogues: the shipped signature table extended with a lab's own entries.

A catalogue file (JSON or YAML) has the shape of ``signatures.json``::

    {"sdks": [{"id": "acme-analytics", "name": "Acme Analytics", "name_zh": "某某统计",
               "organisation": "Acme Ltd.", "category": "analytics",
               "code_prefixes": ["com.acme.analytics"], "hosts": ["collect.acme.example"]}],
     "framework_prefixes": ["com.acme.internal.reflect."]}

(a bare list of entries is accepted too). Entries are merged by ``id``: a user entry
replaces the shipped one of the same id. The entries given to ``consentry analyze
--sdk-catalogue`` are saved with the session, so re-analysis and reports use them;
``CONSENTRY_SDK_CATALOGUE`` names a lab-wide file applied to every session.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from analyzer.attribution import SignatureTable, default_signatures

CATALOGUE_ENV = "CONSENTRY_SDK_CATALOGUE"
MAX_CATALOGUE_BYTES = 4 * 1024 * 1024
META_KEY = "sdk_catalogue"
_LIST_FIELDS = ("code_prefixes", "hosts")
_TEXT_FIELDS = ("id", "name", "name_zh", "organisation", "category")


class CatalogueError(ValueError):
    """An unreadable or invalid catalogue file (one-line message)."""


def read_catalogue(path: str | Path) -> dict[str, Any]:
    """{"sdks": [...], "framework_prefixes": [...]} from a JSON or YAML file, validated."""
    from analyzer.fileio import JsonFileError, read_data_file

    try:
        data = read_data_file(path, what="SDK catalogue", max_bytes=MAX_CATALOGUE_BYTES)
    except JsonFileError as exc:
        raise CatalogueError(str(exc)) from None
    return validate_catalogue(data, str(path))


def validate_catalogue(data: Any, where: str = "catalogue") -> dict[str, Any]:
    if isinstance(data, list):
        data = {"sdks": data}
    if not isinstance(data, dict) or not isinstance(data.get("sdks", []), list):
        raise CatalogueError(f"{where}: expected {{\"sdks\": [...]}} or a list of SDK entries")
    entries = []
    for i, e in enumerate(data.get("sdks", [])):
        if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not e["id"].strip():
            raise CatalogueError(f"{where}: entry {i + 1} needs a string id")
        for key in _TEXT_FIELDS:
            if key in e and not isinstance(e[key], str):
                raise CatalogueError(f"{where}: {e['id']}: {key} must be a string")
        for key in _LIST_FIELDS:
            if not isinstance(e.get(key, []), list) or not all(isinstance(x, str) and x.strip() for x in e.get(key, [])):
                raise CatalogueError(f"{where}: {e['id']}: {key} must be a list of strings")
        if not e.get("code_prefixes") and not e.get("hosts"):
            raise CatalogueError(f"{where}: {e['id']}: give code_prefixes or hosts")
        entries.append({k: e[k] for k in (*_TEXT_FIELDS, *_LIST_FIELDS) if k in e})
    prefixes = data.get("framework_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(x, str) for x in prefixes):
        raise CatalogueError(f"{where}: framework_prefixes must be a list of strings")
    return {"sdks": entries, "framework_prefixes": prefixes}


def _env_catalogue() -> dict[str, Any]:
    path = os.environ.get(CATALOGUE_ENV)
    return read_catalogue(path) if path else {"sdks": [], "framework_prefixes": []}


def session_signatures(session: Any = None) -> SignatureTable:
    """Shipped table + the lab-wide file + the entries saved with the session."""
    table = default_signatures()
    lab = _env_catalogue()
    table = table.merged(lab["sdks"], lab["framework_prefixes"])
    saved = ((getattr(session, "meta", None) or {}).get(META_KEY)) if session is not None else None
    if isinstance(saved, dict):
        table = table.merged(saved.get("sdks", []), saved.get("framework_prefixes", []))
    return table
