"""The screen as ``uiautomator dump`` writes it: a tree of nodes with text and bounds.

Every backend's ``dump_ui()`` returns this XML (``hierarchy`` with ``rotation``, nested
``node`` elements with ``index``, ``text``, ``resource-id``, ``class``, ``package``,
``content-desc``, ``checkable``, ``checked``, ``clickable``, ``enabled``, ... and
``bounds="[x1,y1][x2,y2]"``; ``NAF="true"`` on nodes not accessibility friendly). The
consent driver reads it the way a tester reads the screen (docs/runner.md).

The XML comes from the device, so it is parsed defensively: size-capped, no DTD.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Iterator

MAX_DUMP_BYTES = 16 * 1024 * 1024
_BOUNDS = re.compile(r"^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$")
# Decoration around button labels that does not change what the button says.
_EDGE_PUNCT = " \t\r\n\u3000>›»<‹«→←·•|:：!！。.,，、"


class UiDumpError(ValueError):
    """A dump that is not uiautomator XML."""


@dataclass(eq=False)
class UiNode:
    index: int
    text: str
    resource_id: str
    cls: str
    package: str
    content_desc: str
    checkable: bool
    checked: bool
    clickable: bool
    enabled: bool
    bounds: tuple[int, int, int, int]
    naf: bool = False
    parent: "UiNode | None" = field(default=None, repr=False)
    children: list["UiNode"] = field(default_factory=list, repr=False)

    @property
    def label(self) -> str:
        """What a tester reads on the node: its text, else its content description (WebView, icons)."""
        return self.text.strip() or self.content_desc.strip()

    @property
    def visible(self) -> bool:
        x1, y1, x2, y2 = self.bounds
        return x2 > x1 and y2 > y1

    @property
    def centre(self) -> tuple[int, int]:
        x1, y1, x2, y2 = self.bounds
        return (x1 + x2) // 2, (y1 + y2) // 2

    def ancestors(self) -> Iterator["UiNode"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator["UiNode"]:
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def tap_target(self) -> "UiNode | None":
        """The node a finger lands on to press this label: the nearest clickable ancestor-or-self.

        A label inside a clickable row or card is pressed through that container; a label
        with no clickable ancestor (custom views that handle touches themselves) is tapped
        where it is drawn. None when neither has an area on screen.
        """
        for node in (self, *self.ancestors()):
            if node.clickable and node.visible:
                return node
        return self if self.visible else None

    def describe(self) -> dict:
        """The node as recorded with a consent event (what was tapped, where)."""
        out = {"text": self.text, "content_desc": self.content_desc, "resource_id": self.resource_id,
               "class": self.cls, "package": self.package, "bounds": bounds_text(self.bounds),
               "clickable": self.clickable, "enabled": self.enabled}
        if self.checkable:
            out["checked"] = self.checked
        return out


def bounds_text(bounds: tuple[int, int, int, int]) -> str:
    x1, y1, x2, y2 = bounds
    return f"[{x1},{y1}][{x2},{y2}]"


@dataclass
class UiTree:
    rotation: int
    roots: list[UiNode]

    def nodes(self) -> Iterator[UiNode]:
        """Every node, in document (drawing) order."""
        for root in self.roots:
            yield root
            yield from root.descendants()

    def labels(self) -> list[str]:
        return [n.label for n in self.nodes() if n.label and n.visible]

    def packages(self) -> set[str]:
        return {n.package for n in self.nodes() if n.package}


def normalise(text: str) -> str:
    """Compare labels as a reader would: width-folded, case-folded, without edge punctuation or inner spaces."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", "", folded.strip(_EDGE_PUNCT))


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _bounds(value: str | None) -> tuple[int, int, int, int]:
    m = _BOUNDS.match((value or "").strip())
    if m is None:
        return (0, 0, 0, 0)
    return tuple(int(g) for g in m.groups())  # type: ignore[return-value]


def parse_ui_dump(xml: str | bytes) -> UiTree:
    """Parse a ``uiautomator dump``; raises UiDumpError with a one-line reason."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if len(data) > MAX_DUMP_BYTES:
        raise UiDumpError(f"UI dump larger than {MAX_DUMP_BYTES} bytes")
    start = data.find(b"<hierarchy")
    if start < 0:
        first = data.strip().splitlines()[0][:120].decode("utf-8", "replace") if data.strip() else "empty output"
        raise UiDumpError(f"not a uiautomator dump: {first}")
    if b"<!DOCTYPE" in data[:start] or b"<!ENTITY" in data:
        raise UiDumpError("UI dump with a DTD refused")
    # Drop anything after the hierarchy (``dump /dev/tty`` appends "UI hierchary dumped to: ...").
    end = data.rfind(b"</hierarchy>")
    body = data[start : end + len(b"</hierarchy>")] if end >= 0 else data[start:]
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise UiDumpError(f"UI dump is not well-formed XML: {exc}") from None
    if root.tag != "hierarchy":
        raise UiDumpError(f"UI dump root is <{root.tag}>, not <hierarchy>")
    try:
        rotation = int(root.get("rotation", "0"))
    except ValueError:
        rotation = 0
    roots: list[UiNode] = []
    stack: list[tuple[ET.Element, UiNode | None]] = [(el, None) for el in reversed(list(root)) if el.tag == "node"]
    while stack:
        element, parent = stack.pop()
        node = _node(element, parent)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
        stack.extend((child, node) for child in reversed(list(element)) if child.tag == "node")
    return UiTree(rotation, roots)


def _node(el: ET.Element, parent: UiNode | None) -> UiNode:
    try:
        index = int(el.get("index", "0"))
    except ValueError:
        index = 0
    return UiNode(
        index=index, text=el.get("text", ""), resource_id=el.get("resource-id", ""), cls=el.get("class", ""),
        package=el.get("package", ""), content_desc=el.get("content-desc", ""),
        checkable=_bool(el.get("checkable")), checked=_bool(el.get("checked")), clickable=_bool(el.get("clickable")),
        enabled=_bool(el.get("enabled", "true")), bounds=_bounds(el.get("bounds")), naf=_bool(el.get("NAF")),
        parent=parent,
    )
