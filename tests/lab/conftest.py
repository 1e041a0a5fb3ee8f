"""The lab tests use the shared lab fixtures of tests/conftest.py (lab_classes, lab_network)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
