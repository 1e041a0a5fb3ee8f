"""A small HTML element scanner for report tests (stdlib html.parser)."""

from __future__ import annotations

from html.parser import HTMLParser


class ElementScanner(HTMLParser):
    """Collects (tag, attrs) of every start tag, and the text of <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False
        self.text_parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title" and len([e for e in self.elements if e[0] == "title"]) == 1

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text_parts.append(data)

    def with_class(self, cls: str, tag: str | None = None) -> list[dict[str, str | None]]:
        return [
            attrs for t, attrs in self.elements
            if (tag is None or t == tag) and cls in (attrs.get("class") or "").split()
        ]

    def elements_with(self, attr: str, tag: str | None = None) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.elements if (tag is None or t == tag) and attr in attrs]

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def scan(html: str) -> ElementScanner:
    scanner = ElementScanner()
    scanner.feed(html)
    scanner.close()
    return scanner
