"""Fixtures of the replay/diff tests; the session builders live in replay_sessions.py."""

from __future__ import annotations

import pytest

from analyzer.store import open_store


@pytest.fixture
def cli_store(cli_db):
    """The SQLite store the `cli` fixture's commands use, opened in this process too."""
    return open_store(cli_db)
