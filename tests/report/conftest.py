"""Fixtures of the report tests; makes the helper modules next to this file importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_factory import make_report  # noqa: E402


@pytest.fixture
def report():
    return make_report(12, choice="withdraw")


@pytest.fixture
def hostile_report():
    return make_report(16, choice="accept", hostile=True)
