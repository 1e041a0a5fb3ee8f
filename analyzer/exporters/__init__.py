"""Exporting sessions: HAR, mitmproxy dumps, event files, and verifiable evidence bundles."""

from __future__ import annotations


class ExportFailed(Exception):
    """The export cannot be written; the message is one line for the user."""
