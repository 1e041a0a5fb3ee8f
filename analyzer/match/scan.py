"""scan_flow: decode one flow and find the personal data in it.

Fast path first: the URL, headers and content-decoded body are scanned as one byte
string by the variant automaton, the crypto index and the detectors' cheap triggers.
Only a flow where something could be found is walked structurally (to get exact
locations, paths and decode chains), and inside it only the scalars something could
match become leaves. Most ordinary traffic stops after one pass.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence
from urllib.parse import unquote_plus

from analyzer.decode.content import decode_content
from analyzer.decode.limits import Budget, DecodeLimits, SessionBudget
from analyzer.decode.walk import Leaf, Walker, walk_headers, walk_url, walk_websocket
from analyzer.decode import formats
from analyzer.match import detectors
from analyzer.match.crypto import CryptoIndex
from analyzer.match.identifiers import IdentifierSet, Variant
from analyzer.match.keys import ALL_KEYS, any_key_in, key_class
from analyzer.models.flow import FlowRecord
from analyzer.models.match import Match

EXCERPT_CHARS = 240
DIRECTIONS = ("request", "response", "ws_client", "ws_server")
_CONFIDENCE_RANK = {"high": 3, "medium": 2, "low": 1}
_LOCATION_KEYS = ("location", "latitude", "longitude")
_NUMBER_CHARS = frozenset("0123456789.-+eEinfa")  # what str() of an int or float is made of


@dataclass
class FlowScan:
    matches: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leaves: int = 0  # leaves walked (0: the fast path found nothing worth walking)


def excerpt(text: str, start: int, end: int, width: int = EXCERPT_CHARS) -> tuple[str, tuple[int, int]]:
    """Up to ``width`` characters of text around [start, end), and the hit's span inside them."""
    hit = end - start
    if hit >= width:
        return text[start : start + width], (0, width)
    room = width - hit
    after = min(len(text) - end, room - min(start, room // 2))
    before = min(start, room - after)
    return text[start - before : end + after], (before, before + hit)


class _Collector:
    """Matches of one flow, deduplicated on (pii_type, value, location, path)."""

    def __init__(self) -> None:
        self.best: dict[tuple[str, str, str, str, str], Match] = {}

    def add(self, match: Match) -> None:
        key = (match.pii_type, match.value, match.location, match.path, match.direction)
        old = self.best.get(key)
        if old is None or self._rank(match) > self._rank(old):
            self.best[key] = match

    @staticmethod
    def _rank(m: Match) -> tuple[int, int, int, int]:
        return (m.known, _CONFIDENCE_RANK[m.confidence], -len(m.encoding), len(m.matched))

    def matches(self) -> list[Match]:
        return list(self.best.values())


def _leaf_hits(leaves: Sequence[Leaf], ids: IdentifierSet) -> Iterable[tuple[Leaf, int, int, tuple[Variant, ...]]]:
    """All variant hits in all leaves with one automaton pass over the joined texts."""
    if not leaves or not ids.variants:
        return
    joined = "\x00".join(leaf.text for leaf in leaves)  # NUL is never inside a variant
    starts = []
    pos = 0
    for leaf in leaves:
        starts.append(pos)
        pos += len(leaf.text) + 1
    for start, end, variants in ids.find(joined):
        i = bisect_right(starts, start) - 1
        yield leaves[i], start - starts[i], end - starts[i], variants


def _known_matches(leaves: Sequence[Leaf], ids: IdentifierSet, out: _Collector) -> None:
    pending: list[tuple[Leaf, int, int, Variant]] = []
    found_coords: set[tuple[str, str, str, str]] = set()  # (location, direction, identifier value, lat|lon)
    for leaf, start, end, variants in _leaf_hits(leaves, ids):
        for v in variants:
            if v.coordinate:
                found_coords.add((leaf.location, leaf.direction, v.identifier.value, v.coordinate))
            if v.needs_context:
                pending.append((leaf, start, end, v))
            else:
                out.add(_known(leaf, start, end, v))
    for leaf, start, end, v in pending:
        partner = "lon" if v.coordinate == "lat" else "lat"
        near_key = key_class(leaf.key) in _LOCATION_KEYS or any(any_key_in(leaf.keys, k) for k in _LOCATION_KEYS)
        if near_key or (leaf.location, leaf.direction, v.identifier.value, partner) in found_coords:
            out.add(_known(leaf, start, end, v))


def _known(leaf: Leaf, start: int, end: int, v: Variant) -> Match:
    text, span = excerpt(leaf.text, start, end)
    return Match(
        pii_type=v.identifier.kind, value=v.identifier.value, matched=v.text, location=leaf.location,
        path=leaf.path, encoding=leaf.encoding + v.decode_steps, confidence="high", known=True,
        excerpt=text, excerpt_span=span, identifier_source=v.identifier.source, direction=leaf.direction,
    )


def _detected(leaf: Leaf, d: detectors.Detection) -> Match:
    text, span = excerpt(leaf.text, d.start, d.end)
    return Match(
        pii_type=d.pii_type, value=d.value, matched=leaf.text[d.start : d.end], location=leaf.location,
        path=leaf.path, encoding=leaf.encoding, confidence=d.confidence, known=False,
        excerpt=text, excerpt_span=span, detector=d.detector, direction=leaf.direction,
    )


def _detector_matches(leaves: Sequence[Leaf], ids: IdentifierSet, out: _Collector) -> None:
    """Detections, except where a known identifier already explains the leaf."""
    known_values = ids.known_values
    explained = {(m.location, m.path, m.direction) for m in out.matches() if m.known}
    for leaf in leaves:
        if (leaf.location, leaf.path, leaf.direction) in explained:
            continue
        for d in detectors.detect_leaf(leaf):
            if d.value.lower() not in known_values:
                out.add(_detected(leaf, d))
    for leaf, d in detectors.detect_groups(leaves):
        if (leaf.location, leaf.path, leaf.direction) not in explained and d.value.lower() not in known_values:
            out.add(_detected(leaf, d))


class _Relevance:
    """Which scalars of a walked document deserve a leaf: those holding a variant seen in
    the document's text, and those a detector could fire on."""

    def __init__(self, ids: IdentifierSet, run_detectors: bool) -> None:
        self.ids = ids
        self.run_detectors = run_detectors
        self.hits: set[str] = set()
        self.scanned: tuple[bytes, list[tuple[int, int, int]]] | None = None  # the message's bytes and every hit in them
        self._shortest = ids.automaton.shortest if ids.variants else 0
        self._number_hits: tuple[int, tuple[str, ...]] = (-1, ())  # (len(hits) when made, the hits a number's text could hold)

    def observe(self, text: str, *, verbatim: bool = False) -> "_Relevance | _VerbatimDocument":
        if not self.ids.variants:
            return self
        doc = text.encode("utf-8", "surrogatepass")
        if self.scanned is not None and self.scanned[0].endswith(doc):
            # the message ends with this document (its body): the fast path searched it and noted its hits
            offset = len(self.scanned[0]) - len(doc)
            hits = [(key, start - offset, end - offset) for key, start, end in self.scanned[1] if start >= offset]
        else:
            hits = self.ids.automaton.hits(doc)
            self.hits.update(self.ids.automaton.texts[key] for key, _, _ in hits)
        if not verbatim:
            return self
        return _VerbatimDocument(self, *_strings_holding_variants(doc, hits))

    def _hit(self, text: str) -> bool:
        """Does text hold one of the hits? The automaton finds every variant in it at once."""
        if len(text) < self._shortest:
            return False
        hits = self.hits
        return any(variants[0].text in hits for variants in self.ids.texts_in(text))

    def wants(self, text: str, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
        if self.hits and self._hit(text):
            return True
        return self.run_detectors and detectors.leaf_candidate(text, parent_keys, key)

    def wants_number(self, value: int | float, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
        if self.run_detectors and detectors.number_candidate(value, parent_keys, key):
            return True
        if not self.hits:
            return False
        if self._number_hits[0] != len(self.hits):  # hits only grow: their count says whether this is stale
            self._number_hits = (len(self.hits), tuple(h for h in self.hits if _NUMBER_CHARS.issuperset(h)))
        number_hits = self._number_hits[1]
        if not number_hits:
            return False
        text = str(value)
        return any(h in text for h in number_hits)  # only hits made of a number's characters can be in one


def _strings_holding_variants(doc: bytes, hits: list[tuple[int, int, int]]) -> tuple[set[str], list[tuple[int, int]]]:
    """In a JSON document without escapes: the strings (keys or values) holding a variant,
    and the (start, end) of every variant that sits outside any string (in a number).

    One automaton pass and one walk over the quotes before each hit, in order: linear in
    the document, however many hits.
    """
    holders: set[str] = set()
    outside: list[tuple[int, int]] = []
    quotes = pos = 0
    string_end = -1
    for start, end in sorted((start, end) for _, start, end in hits):
        quotes += doc.count(b'"', pos, start)
        pos = start
        if quotes % 2 == 0:
            outside.append((start, end))
        elif start > string_end and doc.find(b'"', start, end) == -1:  # a new string that holds the whole hit
            opening = doc.rfind(b'"', 0, start)
            string_end = doc.find(b'"', end)
            holders.add(doc[opening + 1 : string_end].decode("utf-8", "surrogatepass"))
    return holders, outside


class _VerbatimDocument:
    """The relevance filter for a JSON document whose strings appear in its text as they are:
    a string holds a variant exactly when it is one of the strings found around the
    document's hits, a set lookup instead of a search per scalar."""

    def __init__(self, relevance: _Relevance, holders: set[str], outside: list[tuple[int, int]]) -> None:
        self.relevance = relevance
        self.run_detectors = relevance.run_detectors
        self.holders = holders
        self.outside = outside  # (start, end) of the variants in numbers, in the document's UTF-8
        self.numbers_hit = bool(outside)  # an int's text is its JSON text: no hit outside strings, no int holds one
        self.keyed = ALL_KEYS if self.run_detectors else frozenset()

    # what Walker.tree_by_position asks: supersets, value by value, of what wants and wants_number take
    def text_candidate(self, text: str) -> bool:
        """Could wants take this string under a field name outside ``keyed``, holders aside?"""
        return self.run_detectors and detectors.text_candidate(text)

    quiet_below = detectors.TEXT_CANDIDATE_LENGTH
    quiet_chars = detectors.TEXT_CANDIDATE_CHARS
    int_prefixes = detectors.INT_SHAPE_PREFIXES

    def int_candidate(self, digits: str) -> bool:
        """Could wants_number take an integer of these digits (holding no variant) outside ``keyed``?"""
        return self.run_detectors and detectors.int_shape_candidate(digits)

    def observe(self, text: str, *, verbatim: bool = False):
        return self.relevance.observe(text, verbatim=verbatim)

    def wants(self, text: str, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
        return text in self.holders or (self.run_detectors and detectors.leaf_candidate(text, parent_keys, key))

    def wants_number(self, value: int | float, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
        if value.__class__ is int and not self.numbers_hit:
            return self.relevance.run_detectors and detectors.number_candidate(value, parent_keys, key)
        return self.relevance.wants_number(value, parent_keys, key)


def _worth_walking(raw: bytes, ids: IdentifierSet, crypto: CryptoIndex | None, run_detectors: bool,
                   min_blob: int, relevance: _Relevance, unquotes: int = 2) -> bool:
    """Could anything match in this message? Every test reads its bytes as they are; only a
    URL-encoded text message is decoded, to look again."""
    if ids.variants and _variant_hit(raw, ids, relevance):
        return True
    if crypto is not None and (crypto.hits(raw) or crypto.plaintexts_in_bytes(raw)):
        return True
    is_text = formats.mostly_text(raw)
    if run_detectors and detectors.worth_walking(raw, is_text):
        return True
    if formats.may_hide_text(raw, min_blob):
        return True
    if unquotes and is_text and b"%" in raw:  # URL-encoded: look again, decoded
        text = raw.decode("utf-8", "surrogateescape")
        unquoted = unquote_plus(text)
        if unquoted != text:
            return _worth_walking(unquoted.encode("utf-8", "surrogateescape"), ids, crypto, run_detectors, min_blob,
                                  relevance, unquotes - 1)
    return False


def _variant_hit(raw: bytes, ids: IdentifierSet, relevance: _Relevance) -> bool:
    """One pass over the message's bytes: note every variant in it; True if one counts on
    its own, or both coordinates of one location are there."""
    automaton = ids.automaton
    if not automaton.raw_safe:
        raw = raw.decode("utf-8", "surrogateescape").encode("utf-8", "surrogatepass")
    hits = automaton.hits(raw)
    if relevance.scanned is None:  # the message itself, not a URL-decoded look at it
        relevance.scanned = (raw, hits)
    coords: set[tuple[str, str]] = set()
    alone = False
    for variants in automaton.whole_words(raw, hits):
        relevance.hits.add(variants[0].text)
        for v in variants:
            if not v.needs_context:
                alone = True
            else:
                coords.add((v.identifier.value, v.coordinate or ""))
    return alone or any((value, "lon") in coords for value, c in coords if c == "lat")


def _message_leaves(flow: FlowRecord, budget: Budget, direction: str, crypto: CryptoIndex | None,
                    ids: IdentifierSet, run_detectors: bool) -> tuple[list[Leaf], dict[str, str]]:
    """Leaves of one direction (or [] when the fast path shows nothing can match), and the
    message as text (URL, headers, content-decoded body) for excerpts with context."""
    relevance = _Relevance(ids, run_detectors)
    if direction in ("ws_client", "ws_server"):
        return walk_websocket(flow, budget, direction == "ws_client", crypto, relevance), {}
    request = direction == "request"
    headers = flow.request_headers if request else flow.response_headers
    body = flow.request_body if request else flow.response_body
    lowered = {k.lower(): v for k, v in headers}
    plain, steps = decode_content(body, lowered.get("content-encoding"), budget) if body else (b"", ())
    cap = budget.limits.max_header_chars
    head = "\n".join([flow.url if request else ""] + [f"{k[:cap]}: {v[:cap]}" for k, v in headers])
    raw = head.encode("utf-8", "surrogateescape") + b"\n" + plain
    if not _worth_walking(raw, ids, crypto, run_detectors, budget.limits.min_blob_chars, relevance):
        return [], {}
    w = Walker(budget, direction, crypto, relevance)
    if request:
        walk_url(w, flow.url)
    walk_headers(w, headers, "cookie" if request else "set-cookie")
    if plain:
        w.data(plain, "body", (), steps, (), 0, lowered.get("content-type", ""))
    body_text = plain.decode("utf-8", "surrogateescape") if formats.mostly_text(plain) else ""
    return w.leaves, {"body": body_text, "head": head}


def _path_key(path: str) -> str:
    """The innermost key name of a leaf path: `form:data > json:$.d.imei` -> `imei`."""
    last = path.split(" > ")[-1]
    last = last.split(":", 1)[-1]
    for sep in (".", "[", "$"):
        last = last.rsplit(sep, 1)[-1]
    return last.strip("]'\"")


def _with_context(match: Match, texts: dict[str, str]) -> Match:
    """Show a short leaf inside the message around it (`"di":"3569…"` rather than the bare
    value), when the text found on the wire appears there as such; encoded leaves keep
    their decoded excerpt."""
    message = texts.get("body" if match.location == "body" else "head", "")
    if not message or not match.matched or len(match.excerpt) >= EXCERPT_CHARS // 2:
        return match
    positions = []
    at = message.find(match.matched)
    while at != -1 and len(positions) < 50:
        positions.append(at)
        at = message.find(match.matched, at + 1)
    if not positions:
        return match
    key = _path_key(match.path)
    chosen = positions[0]
    if key:
        key_at = message.find(key)
        after_key = [p for p in positions if key_at != -1 and p > key_at]
        chosen = after_key[0] if after_key else chosen
    text, span = excerpt(message, chosen, chosen + len(match.matched))
    return replace(match, excerpt=text, excerpt_span=span)


def scan_flow(flow: FlowRecord, ids: IdentifierSet, crypto: CryptoIndex | None = None,
              limits: DecodeLimits | None = None, *, directions: Iterable[str] = ("request",),
              run_detectors: bool = True, session_budget: SessionBudget | None = None) -> FlowScan:
    """Every piece of personal data in the chosen parts of a flow, with where and how it was sent.

    ``directions``: any of request, response, ws_client, ws_server (websocket
    messages from the client / the server). Decoders that give up add a note.
    ``session_budget`` carries what the whole analysis may still decode.
    """
    budget = Budget(session_budget.limits if session_budget is not None else limits or DecodeLimits(),
                    session=session_budget)
    collector = _Collector()
    walked = 0
    for direction in directions:
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; expected one of {', '.join(DIRECTIONS)}")
        leaves, texts = _message_leaves(flow, budget, direction, crypto, ids, run_detectors)
        walked += len(leaves)
        if not leaves:
            continue
        found = _Collector()
        _known_matches(leaves, ids, found)
        if run_detectors:
            _detector_matches(leaves, ids, found)
        for match in found.matches():
            collector.add(_with_context(match, texts))
    if session_budget is not None:
        session_budget.flow_done(budget)
    return FlowScan(matches=collector.matches(), notes=list(budget.notes), leaves=walked)
