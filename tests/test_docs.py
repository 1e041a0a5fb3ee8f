"""The README documents every command with an example, and its two commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from analyzer.cli import app

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _command_paths(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if hasattr(group, "commands"):
        paths = []
        for name, sub in group.commands.items():
            if getattr(sub, "hidden", False):
                continue
            paths += _command_paths(sub, prefix + (name,))
        return paths
    return [prefix]


COMMANDS = _command_paths(typer.main.get_command(app))


def test_the_cli_has_the_documented_surface():
    names = {" ".join(p) for p in COMMANDS}
    for expected in ("demo", "run", "proxy", "mark consent", "import har", "import mitm", "analyze",
                     "report", "sessions list", "sessions show", "replay", "diff"):
        assert expected in names


def test_every_command_has_an_example_in_the_readme():
    examples = [line.strip() for line in README.splitlines() if line.strip().startswith("consentry ")]
    missing = [" ".join(p) for p in COMMANDS if not any(e.startswith("consentry " + " ".join(p)) for e in examples)]
    assert not missing, f"README lacks an example line for: {missing}"


def test_readme_gives_the_two_commands_and_ci_runs_the_second():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", quick, re.S)
    commands = [line for b in blocks for line in b.splitlines() if line and not line.startswith("#")]
    assert commands[:2] == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_readme_covers_device_setup_and_report_sections():
    for needle in ("frida-server", "adb reverse", "mitmproxy-ca-cert.pem", "Verdict by rule", "Timeline",
                   "What each SDK collected and sent", "SIGKILL", "docker-compose.yml"):
        assert needle in README, needle
