"""Device backends: the JVM lab device and a rooted Android phone over USB."""

from __future__ import annotations

import re

from analyzer.devices.base import AppTarget, DeviceBackend, DeviceError, LaunchOptions, ProxyPlan, RunningApp

_SPEC = re.compile(r"^(lab|usb)(?::([A-Za-z0-9._:\-]+))?$")


def parse_device_spec(spec: str) -> tuple[str, str | None]:
    """``lab`` | ``usb`` | ``usb:SERIAL`` -> (kind, serial). Raises DeviceError."""
    m = _SPEC.match((spec or "").strip())
    if m is None:
        raise DeviceError(f"--device must be lab, usb or usb:SERIAL, got {spec!r}")
    kind, serial = m.group(1), m.group(2)
    if kind == "lab" and serial:
        raise DeviceError("--device lab takes no serial")
    return kind, serial


def open_backend(spec: str, **options) -> DeviceBackend:
    kind, serial = parse_device_spec(spec)
    if kind == "lab":
        from analyzer.devices.lab import LabBackend

        options.pop("inject_ca", None)  # the lab trusts the proxy CA through its trust store
        return LabBackend(**options)
    from analyzer.devices.usb import UsbBackend

    return UsbBackend(serial, inject_ca=bool(options.get("inject_ca", False)))


__all__ = [
    "AppTarget", "DeviceBackend", "DeviceError", "LaunchOptions", "ProxyPlan", "RunningApp",
    "open_backend", "parse_device_spec",
]
