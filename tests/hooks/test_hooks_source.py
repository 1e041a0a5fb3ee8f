"""Checks on the agent's source that no runtime on this machine can exercise (ART-only paths)."""

from __future__ import annotations

import re

from analyzer.hooks.targets import hooks_dir


def test_hooks_pass_every_argument_through_whatever_the_overload():
    """An implementation is installed on every overload of a target (loadClass(String) and
    loadClass(String, boolean)); calling the original with a fixed argument list breaks the
    other arities (on ART: the app dies creating its Application)."""
    offenders = []
    for script in sorted(hooks_dir().glob("*.js")):
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\boverload\.call\(this\b", line):
                offenders.append(f"{script.name}:{number}: {line.strip()}")
    assert offenders == []
