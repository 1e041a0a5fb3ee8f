"""Fixtures for the hook tests: the mirror program (compiled with javac), launched at its
start gate, with a real Frida HookSession attached to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.hooks import HookConfig, HookSession
from hooks_testlib import compile_mirror, launch_gated


@pytest.fixture(scope="session")
def mirror_classes(tmp_path_factory) -> Path:
    if shutil.which("javac") is None:
        pytest.skip("javac not installed")
    return compile_mirror(tmp_path_factory.mktemp("mirror"))


@pytest.fixture
def run_mirror(mirror_classes):
    """Launches the mirror at its gate, attaches the hooks, waits ready; yields (app, session)."""
    started: list[tuple[GatedJava, HookSession]] = []

    def run(*args: str, config: dict | HookConfig | None = None, categories: list[str] | None = None):
        app = launch_gated(["java", "-Xshare:auto", "-cp", str(mirror_classes), "fixture.MirrorApp", *args])
        session = HookSession(app.proc.pid, config=config, categories=categories)
        started.append((app, session))
        session.load()
        session.wait_ready(20)
        return app, session

    yield run
    for app, session in started:
        session.unload()
        app.kill()
