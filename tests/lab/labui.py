"""Helpers for driving lab apps from outside, the way a tester (or the consent driver) does:
read the uiautomator dump, find a node by its text, tap the centre of its bounds."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

BOUNDS = re.compile(r"^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$")
UIAUTOMATOR_ATTRIBUTES = ["index", "text", "resource-id", "class", "package", "content-desc", "checkable", "checked",
                          "clickable", "enabled", "focusable", "focused", "scrollable", "long-clickable", "password",
                          "selected", "bounds"]


def nodes(xml: str) -> list[ET.Element]:
    return list(ET.fromstring(xml.encode("utf-8")).iter("node"))


def find(xml: str, text: str) -> ET.Element | None:
    return next((n for n in nodes(xml) if n.get("text") == text), None)


def centre(node: ET.Element) -> tuple[int, int]:
    x1, y1, x2, y2 = map(int, BOUNDS.match(node.get("bounds", "")).groups())
    return (x1 + x2) // 2, (y1 + y2) // 2


def wait_for_text(device, text: str, timeout: float = 30.0) -> tuple[str, ET.Element]:
    """(dump, node) once a node with exactly this text is on screen."""
    deadline = time.monotonic() + timeout
    xml = ""
    while time.monotonic() < deadline:
        xml = device.dump_ui()
        node = find(xml, text)
        if node is not None:
            return xml, node
        time.sleep(0.1)
    raise AssertionError(f"no node with text {text!r} on screen within {timeout}s; last dump: {xml[:2000]}")


def tap_text(device, text: str, timeout: float = 30.0) -> None:
    _, node = wait_for_text(device, text, timeout)
    device.tap(*centre(node))


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
