"""Which scalars of an escape-free JSON document deserve a leaf, found by position.

The walk of a parsed document visits every scalar to ask whether anything could match
it: a tracker's batch of 40 events is 300 scalars of which a handful matter. In a
document without backslashes every string appears in its text exactly as it is, so the
question can be asked of the text instead: the screen (what the fast path learned of
the document) says which string values and which integers could be wanted, and where
its variants sit in numbers; only those tokens are placed in the structure, by a scan
of the brackets before them, and read from the parsed document. What is placed is
handed back in the order the walk would have met it (containers in document order,
each one's scalars in member order), so the leaves and their order do not change.

Anything this cannot place exactly (non-ASCII text, a float whose Python text differs
from its JSON text, duplicate keys, nesting past the walk's limit, a field name the
detectors key on above the document) is left to the walk: ``slots`` returns None.
"""

from __future__ import annotations

import re
from itertools import accumulate, islice
from typing import Any, Callable, Protocol

_OPENERS = ("{", "[")
_LOUD = frozenset("=%{[")  # a string holding one of these is followed by the walk, whatever its length
_BRACKET = re.compile(r"[\[\]{}]")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_NUMBER_CHARS = frozenset("0123456789.-+eE")
# Numbers as their character classes: digits and points 0, exponent signs e
_NUMBER_CLASSES = bytes(ord("0") if chr(i) in "0123456789." else ord("e") if chr(i) in "eE" else ord(" ") for i in range(256))
_BRACKETS_ONLY = bytes.maketrans(b"{[}]", b"(())")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"{[}]")
_DIGIT_RUNS = bytes(ord("0") if chr(i).isdigit() and i < 128 else ord(" ") for i in range(256))
_ELEVEN = b"0" * 11
_MISSING = object()


class PositionScreen(Protocol):
    """What the matchers learned of one document, as the position search needs it."""

    holders: set[str]
    outside: list[tuple[int, int]]  # (start, end) of variants outside strings, UTF-8 offsets
    keyed: frozenset[str]  # normalized field names under which any scalar may be wanted
    quiet_below: int  # a string this short holding none of ``quiet_chars`` is no text candidate
    quiet_chars: frozenset[str]

    run_detectors: bool

    def text_candidate(self, text: str) -> bool:
        """Could the detectors want this string, whatever its field name? (A pure function of
        the text and ``run_detectors``: answers are remembered across documents.)"""

    int_prefixes: dict[int, tuple[str, ...]]  # digit count -> leading digits of an integer int_candidate may take

    def int_candidate(self, digits: str) -> bool: ...


Slot = tuple[str, tuple[str, ...], bool, Any, str | None, Any]  # (where, keys, named, member, name, value)


class _Doc:
    """The document split at its quotes: ``outs`` (text between strings) and ``strs`` (the
    strings), and ``sk``: the text with each string replaced by one NUL (its structure)."""

    def __init__(self, text: str) -> None:
        parts = text.split('"')
        self.outs, self.strs = parts[0::2], parts[1::2]
        self.sk = "\x00".join(self.outs)
        self.text = text
        self._outs_cum: list[int] | None = None

    def marker(self, k: int) -> int:
        """Where string k is in ``sk``."""
        if self._outs_cum is None:
            self._outs_cum = list(accumulate(map(len, self.outs)))
        return self._outs_cum[k] + k

    def sk_positions(self, spans: list[tuple[int, int]]):
        """(start, end) in ``sk`` of text spans that start outside strings, given in order."""
        strs_cum = list(accumulate(map(len, self.strs))) if spans else []
        quotes = counted_to = 0
        for start, end in spans:
            quotes += self.text.count('"', counted_to, start)
            counted_to = start
            n = quotes // 2
            at = start - (strs_cum[n - 1] + n if n else 0)
            yield at, at + (end - start)

    def is_key(self, k: int) -> bool:
        return self.outs[k + 1].lstrip()[:1] == ":"

    def odd_numbers(self) -> bool:
        """Could a number's Python text hold what its JSON text does not? An int's text is
        its JSON text and a float's is too, less trailing zeros (a prefix of it), except with
        an exponent, below 1e-4, past 16 digits (rounded, or written with an exponent) and
        for NaN and Infinity."""
        sk = self.sk
        if "0.0000" in sk or "N" in sk or "I" in sk:
            return True
        classes = sk.encode("ascii").translate(_NUMBER_CLASSES)
        return b"0e" in classes or b"0" * 17 in classes

    def depth_within(self, limit: int) -> bool:
        nest = self.sk.encode("ascii").translate(_BRACKETS_ONLY, _NOT_BRACKETS)
        for _ in range(limit):
            if not nest:
                break
            nest = nest.replace(b"()", b"")  # each pass removes the innermost containers
        return not nest


def slots(text: str, root: Any, keys: tuple[str, ...], screen: PositionScreen, min_blob: int,
          max_nesting: int, normalize: Callable[[str], str]) -> list[Slot] | None:
    """The scalars of ``root`` (the parse of ``text``) the walk could take, in its order; None
    when this document is left to the walk."""
    if not text.isascii() or not screen.keyed.isdisjoint(keys) or text.count('"') % 2:
        return None
    doc = _Doc(text)
    if doc.odd_numbers() or not doc.depth_within(max_nesting):
        return None
    found = _candidates(doc, screen, min_blob, normalize)
    if not found:
        return []
    return _place(doc, root, keys, found, normalize)


def _candidates(doc: _Doc, screen: PositionScreen, min_blob: int, normalize) -> dict[int, int]:
    """``sk`` position -> string index (>= 0) or -1 for a number, of every value token the
    walk could take."""
    distinct = set(doc.strs)
    wanted = _verdicts(("text", min_blob, screen.run_detectors), distinct, lambda v: _text_wanted(v, screen, min_blob))
    wanted |= screen.holders & distinct
    keyed = _verdicts(("keyed", screen.keyed), distinct, lambda v: normalize(v) in screen.keyed) if screen.keyed else set()
    found: dict[int, int] = {}
    sk = doc.sk
    interesting = wanted | keyed
    for k in [k for k, v in enumerate(doc.strs) if v in interesting]:
        if not doc.is_key(k):
            if doc.strs[k] in wanted:
                found[doc.marker(k)] = k
        elif doc.strs[k] in keyed:
            _keyed_value(doc, k, found)
    for at, end in doc.sk_positions(screen.outside):
        while at > 0 and sk[at - 1] in _NUMBER_CHARS:
            at -= 1
        for m in _NUMBER.finditer(sk, at, end):  # every number the variant overlaps
            found.setdefault(m.start(), -1)
    digits = sk.encode("ascii").translate(_DIGIT_RUNS)
    at = digits.find(_ELEVEN)
    while at != -1:
        end = digits.find(b" ", at)
        end = len(sk) if end == -1 else end
        # integers only: a run after a sign, a point or an exponent, or before a point or an exponent, is not one;
        # the lengths and leading digits the detectors take are tested first (timestamps are 13 digits)
        prefixes = screen.int_prefixes.get(end - at)
        if prefixes is not None and sk.startswith(prefixes, at) and sk[at - 1 : at] not in ("-", "+", ".", "e", "E") \
                and sk[end : end + 1] not in (".", "e", "E") and screen.int_candidate(sk[at:end]):
            found.setdefault(at, -1)
        at = digits.find(_ELEVEN, end)
    return found


def _keyed_value(doc: _Doc, k: int, found: dict[int, int]) -> None:
    """Every value token of the member whose key is string k."""
    sk = doc.sk
    colon = sk.index(":", doc.marker(k) + 1)
    at = colon + 1
    while sk[at : at + 1].isspace():
        at += 1
    head = sk[at : at + 1]
    if head == "\x00":
        found[at] = k + 1
        return
    if head not in ("{", "["):
        if _NUMBER.match(sk, at):
            found.setdefault(at, -1)
        return
    level, close = 0, len(sk)
    for m in _BRACKET.finditer(sk, at):
        level += 1 if m.group() in _OPENERS else -1
        if level == 0:
            close = m.start()
            break
    first = k + 1
    for i in range(sk.count("\x00", at, close)):
        found.setdefault(doc.marker(first + i), first + i)
    for m in _NUMBER.finditer(sk, at, close):
        found.setdefault(m.start(), -1)


def _text_wanted(v: str, screen: PositionScreen, min_blob: int) -> bool:
    """Could the walk take string v under a field name outside ``screen.keyed``, holders aside?"""
    if len(v) < min(min_blob, screen.quiet_below) and (_LOUD | screen.quiet_chars).isdisjoint(v):
        return False  # most strings are short words
    return len(v) >= min_blob or "=" in v or "%" in v or v[:1] in _OPENERS or screen.text_candidate(v)


class _Verdict:
    """A predicate's answers for strings met before (field names, event names, enum values
    recur in every document): set operations in C instead of a call per string."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.yes: set[str] = set()
        self.no: set[str] = set()


_VERDICTS: dict[Any, _Verdict] = {}


def _verdicts(kind: Any, strings: set[str], predicate: Callable[[str], bool]) -> set[str]:
    """The strings for which predicate holds, asking it only of strings it was not asked before."""
    verdict = _VERDICTS.get(kind)
    if verdict is None:
        if len(_VERDICTS) > 16:
            _VERDICTS.clear()
        verdict = _VERDICTS[kind] = _Verdict()
    unknown = strings - verdict.yes - verdict.no
    if unknown:
        if len(verdict.yes) + len(verdict.no) + len(unknown) > _Verdict.LIMIT:  # unique values must not pile up
            verdict.yes.clear()
            verdict.no.clear()
        for v in unknown:
            (verdict.yes if predicate(v) else verdict.no).add(v)
    return strings & verdict.yes


class _Frame:
    """An open container: where its members are counted to, and its keys in parse order."""

    __slots__ = ("open", "obj", "where", "keys", "counted_to", "members", "key_iter", "keys_taken")

    def __init__(self, open_at: int, obj: Any, where: str, keys: tuple[str, ...]) -> None:
        self.open, self.obj, self.where, self.keys = open_at, obj, where, keys
        self.counted_to = open_at
        self.members = 0  # commas at this level in sk[open:counted_to]
        self.key_iter = iter(obj) if isinstance(obj, dict) else None
        self.keys_taken = 0

    def index_at(self, sk: str, pos: int) -> int:
        """The member index at pos; positions only grow, so every comma is counted once."""
        self.members += sk.count(",", self.counted_to, pos)
        self.counted_to = pos
        return self.members

    def key_at(self, index: int) -> Any:
        """The parse's index-th key (members are met in order, so the keys are read once)."""
        key = next(islice(self.key_iter, index - self.keys_taken, None), _MISSING)
        self.keys_taken = index + 1
        return key


def _place(doc: _Doc, root: Any, keys: tuple[str, ...], found: dict[int, int], normalize) -> list[Slot] | None:
    """Each found token's container, key path and parsed value, in the walk's order."""
    from analyzer.decode.walk import _json_step

    sk = doc.sk
    stack = [_Frame(0, root, "$", keys)]
    brackets = _BRACKET.finditer(sk, 1)
    pending = next(brackets, None)
    markers_seen = counted_to = 0  # NULs (strings) in sk[:counted_to]
    placed: list[tuple[int, int, Slot]] = []
    for pos in sorted(found):
        while pending is not None and pending.start() < pos:
            at = pending.start()
            if pending.group() in _OPENERS:
                markers_seen += sk.count("\x00", counted_to, at)
                counted_to = at
                parent = stack[-1]
                member = _member(doc, parent, at, markers_seen, normalize)
                if member is None or member[2].__class__ is not (dict if pending.group() == "{" else list):
                    return None
                k, name, child = member
                stack.append(_Frame(at, child, _json_step(parent.where, k),
                                    parent.keys + (name,) if parent.key_iter is not None else parent.keys))
            else:
                stack.pop()
                stack[-1].counted_to = at  # the commas inside the closed child are not its parent's
            pending = next(brackets, None)
        markers_seen += sk.count("\x00", counted_to, pos)
        counted_to = pos
        frame = stack[-1]
        member = _member(doc, frame, pos, markers_seen, normalize)
        if member is None:
            return None
        k, name, value = member
        string = found[pos]
        if string >= 0:
            if value.__class__ is not str or value != doc.strs[string]:
                return None
        elif value.__class__ not in (int, float):
            return None
        named = frame.key_iter is not None
        placed.append((frame.open, pos, (frame.where, frame.keys, named, k, name, value)))
    placed.sort(key=lambda p: (p[0], p[1]))
    return [slot for _, _, slot in placed]


def _member(doc: _Doc, frame: _Frame, pos: int, markers_before: int, normalize):
    """(key or index, normalized key name or None, value) of the member of ``frame`` at ``sk``
    offset pos; None when the parse and the text disagree (duplicate keys)."""
    sk = doc.sk
    index = frame.index_at(sk, pos)
    obj = frame.obj
    if frame.key_iter is None:
        return (index, None, obj[index]) if index < len(obj) else None
    key_index = markers_before - 1
    if key_index < 0:
        return None
    key_at = doc.marker(key_index)
    if key_at <= frame.open or sk[key_at + 1 : pos].strip() != ":":
        return None
    key = doc.strs[key_index]
    if index < frame.keys_taken or frame.key_at(index) != key:
        return None
    return key, normalize(key), obj[key]
