"""``consentry hooks bundle|list``: the Frida agent as one file, and what it hooks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from analyzer.cli.common import CliError, console, print_json


def _checked(categories: list[str] | None) -> list[str] | None:
    from analyzer.hooks.targets import HookScriptsError, check_categories

    try:
        return check_categories(categories) if categories else None
    except (ValueError, HookScriptsError) as exc:
        raise CliError(str(exc)) from None


def bundle(
    output: Path = typer.Option(None, "--output", "-o", help="Write the agent here (default: stdout)."),
    category: list[str] = typer.Option(None, "--category", "-c", help="Hook category to include (repeatable; default: all)."),
) -> None:
    """Write one self-contained agent script (Java bridge included) for `frida -U -f PKG -l agent.js`."""
    from analyzer.hooks.bundle import build_agent_source
    from analyzer.hooks.targets import HookScriptsError

    selected = _checked(category)
    try:
        source = build_agent_source(selected)
    except HookScriptsError as exc:
        raise CliError(str(exc)) from None
    if output is None:
        sys.stdout.write(source)
        return
    try:
        output.write_text(source, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {output} ({len(source.encode('utf-8'))} bytes, categories: {', '.join(selected or _all_categories())})", file=sys.stderr)


def _all_categories() -> list[str]:
    from analyzer.hooks.targets import categories

    return categories()


def list_targets(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    category: list[str] = typer.Option(None, "--category", "-c", help="Only these categories (repeatable)."),
) -> None:
    """Print the hooked targets by category (from hooks/targets.json)."""
    from analyzer.hooks.targets import HookScriptsError, list_targets as _list

    selected = _checked(category)
    try:
        targets = _list(selected)
    except HookScriptsError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        grouped: dict[str, list[dict]] = {}
        for t in targets:
            grouped.setdefault(t.category, []).append({"target": t.target, **t.details})
        print_json(grouped)
        return
    from rich.table import Column, Table

    table = Table(Column("category", no_wrap=True), Column("target", overflow="fold"), Column("kind / role", overflow="fold"), box=None)
    for t in targets:
        detail = t.details.get("kind") or t.details.get("role") or t.details.get("state") or ""
        if "arg_kind" in t.details:
            detail = "by argument " + json.dumps(t.details["arg_kind"].get("index"))
        table.add_row(t.category, t.target, str(detail))
    console.print(table)


def register(app: typer.Typer) -> None:
    hooks_app = typer.Typer(help="The Frida hook agent: bundle it, list what it hooks.", no_args_is_help=True)
    hooks_app.command("bundle")(bundle)
    hooks_app.command("list")(list_targets)
    app.add_typer(hooks_app, name="hooks")
