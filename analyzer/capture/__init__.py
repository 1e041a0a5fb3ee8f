"""Capturing traffic: mitmproxy flow conversion and the managed mitmdump process."""

from __future__ import annotations

import re

_APP_SPEC = re.compile(r"^[A-Za-z0-9_.\-]+(@[^\s@]+)?$")


def parse_app_spec(spec: str) -> tuple[str, str]:
    """``com.example.app`` or ``com.example.app@1.2.3`` -> (package, version)."""
    if not _APP_SPEC.match(spec or ""):
        raise ValueError(f"invalid app {spec!r}: expected PACKAGE or PACKAGE@VERSION")
    package, _, version = spec.partition("@")
    return package, version
