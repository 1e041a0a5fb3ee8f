"""Builds the one agent script: Java bridge + target tables + runtime + hook scripts.

Frida 17 no longer ships the Java bridge inside its runtime; frida-tools carries a built
copy, so users get a self-contained agent without Node.js.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from analyzer.hooks.targets import MAIN_SCRIPT, RUNTIME_SCRIPT, HookScriptsError, always_loaded, check_categories, hooks_dir, load_tables


def java_bridge_path() -> Path:
    spec = importlib.util.find_spec("frida_tools")
    if spec is None or not spec.submodule_search_locations:
        raise HookScriptsError("frida-tools is not installed (it provides the Java bridge)")
    for location in spec.submodule_search_locations:
        path = Path(location) / "bridges" / "java.js"
        if path.is_file():
            return path
    raise HookScriptsError("frida-tools has no bridges/java.js; install frida-tools >= 14")


def _section(title: str, source: str) -> str:
    return f"\n// ---- {title} ----\n{source.rstrip()}\n"


def build_agent_source(categories: list[str] | None = None) -> str:
    """The agent for the selected hook categories (all when None); raises ValueError on an unknown one."""
    selected = check_categories(categories)
    tables = load_tables()
    directory = hooks_dir()
    filtered = {"schema": tables.get("schema"), "categories": {c: tables["categories"][c] for c in always_loaded() + selected}}
    parts = [
        "// consentry agent: frida-java-bridge (from frida-tools) + consentry hooks",
        _section("frida-java-bridge", java_bridge_path().read_text(encoding="utf-8")),
        "globalThis.Java = bridge;\n",
        _section("targets.json", "const CONSENTRY_TARGETS = " + json.dumps(filtered, ensure_ascii=False) + ";"),
        _section(RUNTIME_SCRIPT, (directory / RUNTIME_SCRIPT).read_text(encoding="utf-8")),
    ]
    for category in selected:
        script = tables["categories"][category]["script"]
        parts.append(_section(script, (directory / script).read_text(encoding="utf-8")))
    parts.append(_section(MAIN_SCRIPT, (directory / MAIN_SCRIPT).read_text(encoding="utf-8")))
    return "".join(parts)
