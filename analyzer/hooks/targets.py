"""The declarative hook-target tables (hooks/targets.json), shared by the agent and the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TARGETS_FILE = "targets.json"
RUNTIME_SCRIPT = "_runtime.js"
MAIN_SCRIPT = "_main.js"


class HookScriptsError(RuntimeError):
    """The hook scripts cannot be found or are inconsistent."""


@dataclass(frozen=True)
class HookTarget:
    category: str
    target: str
    details: dict[str, Any]


def hooks_dir() -> Path:
    """Directory of the agent scripts: the installed ``consentry_hooks`` package, else the repo's hooks/."""
    from analyzer.resources import shipped_dir

    found = shipped_dir("consentry_hooks", TARGETS_FILE)
    if found is not None:
        return found
    raise HookScriptsError("hook scripts not found (no consentry_hooks/targets.json); reinstall consentry")


@lru_cache(maxsize=1)
def load_tables() -> dict[str, Any]:
    path = hooks_dir() / TARGETS_FILE
    try:
        tables = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HookScriptsError(f"cannot read {path}: {exc}") from None
    if not isinstance(tables.get("categories"), dict):
        raise HookScriptsError(f"{path}: no 'categories' table")
    return tables


def categories() -> list[str]:
    """The selectable categories (the always-loaded core is not one of them)."""
    return [name for name, table in load_tables()["categories"].items() if not table.get("always")]


def always_loaded() -> list[str]:
    return [name for name, table in load_tables()["categories"].items() if table.get("always")]


def check_categories(selected: list[str] | None) -> list[str]:
    """The selected categories in table order; raises ValueError naming an unknown one."""
    known = categories()
    if not selected:
        return known
    unknown = [c for c in selected if c not in known]
    if unknown:
        raise ValueError(f"unknown hook category {unknown[0]!r} (known: {', '.join(known)})")
    return [c for c in known if c in selected]


def target_name(entry: dict[str, Any]) -> str:
    if "module" in entry:
        return f"{entry['module']}!{entry['export']}"
    return f"{entry['class']}.{entry['method']}"


def list_targets(selected: list[str] | None = None) -> list[HookTarget]:
    """Every hooked target of the selected categories, the always-loaded core first."""
    tables = load_tables()["categories"]
    return [
        HookTarget(category=cat, target=target_name(entry), details={k: v for k, v in entry.items() if k not in ("class", "method", "module", "export")})
        for cat in always_loaded() + check_categories(selected)
        for entry in tables[cat]["targets"]
    ]
