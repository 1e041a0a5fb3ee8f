"""Walks a request (or response, or websocket message) down to its leaves.

A leaf is a piece of text the matchers look at, with where it sits (location and
path) and how it was reached (the decode chain, outermost step first, e.g.
``("gzip", "json:$.d", "base64", "json:$.imei")``). Nested encodings are followed
up to ``max_depth``; everything is bounded by the :class:`Budget`.

Paths: header, cookie and query parameter names and URL ``segment[i]`` are bare;
steps inside them or inside a body are tagged (``json:$.a.b``, ``form:name``,
``multipart:name``, ``proto:1.2``, ``msgpack:$.x``, ``jwt:payload``) and joined
with `` > ``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Protocol
from urllib.parse import unquote, urlsplit

from analyzer.decode import formats, jsonpos
from analyzer.decode.content import DecompressError, decode_content, decompress, sniff_compression
from analyzer.decode.limits import Budget, DecodeLimits
from analyzer.models.flow import FlowRecord

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SKIP_HEADERS = frozenset(
    ["content-length", "content-type", "content-encoding", "transfer-encoding", "connection", "host",
     "accept", "accept-encoding", "accept-language", "cache-control", "pragma", "te", "upgrade",
     "date", "expires", "last-modified", "etag", "vary", "keep-alive"]
)


def normalize_key(name: str) -> str:
    """Key names compared loosely: 'Android-ID', 'android_id' and 'androidId' are one key."""
    return "".join(c for c in name.lower() if c.isalnum())


@dataclass(frozen=True, slots=True)
class Leaf:
    location: str
    path: str
    encoding: tuple[str, ...]
    text: str
    keys: tuple[str, ...] = ()  # normalized key names, outermost first
    direction: str = "request"

    @property
    def key(self) -> str:
        return self.keys[-1] if self.keys else ""


class Relevance(Protocol):
    """Decides which scalars of a document are worth a leaf (the matchers' cheap pre-check)."""

    def observe(self, text: str, *, verbatim: bool = False) -> "Relevance":
        """Note the variants in a document's text; returns the filter for that document's scalars.
        ``verbatim``: text is JSON without escapes, so every string in it appears in it as such."""

    def wants(self, text: str, parent_keys: tuple[str, ...], key: str | None = None) -> bool:
        """A string under ``parent_keys``; ``key`` is its own (normalized) name, None in an array."""

    def wants_number(self, value: int | float, parent_keys: tuple[str, ...], key: str | None = None) -> bool: ...


class PlaintextSource(Protocol):
    """Something that knows plaintexts behind opaque values (the crypto index)."""

    def plaintexts_in_text(self, text: str) -> list[tuple[tuple[str, ...], bytes]]: ...

    def plaintexts_in_bytes(self, data: bytes) -> list[tuple[tuple[str, ...], bytes]]: ...


def _json_step(base: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    key = str(key)
    return f"{base}.{key}" if _IDENT.match(key) else f"{base}[{json.dumps(key, ensure_ascii=False)}]"


class Walker:
    """Collects leaves of one direction of one flow into ``self.leaves``."""

    def __init__(self, budget: Budget, direction: str = "request", plaintexts: PlaintextSource | None = None,
                 relevance: Relevance | None = None):
        self.budget = budget
        self.relevance = relevance
        self.limits: DecodeLimits = budget.limits
        self.direction = direction
        self.plaintexts = plaintexts
        self.leaves: list[Leaf] = []

    # -- emission --------------------------------------------------------------
    def emit(self, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...], keys: tuple[str, ...]) -> None:
        if not text or not self.budget.take_leaf():
            return
        if len(text) > self.limits.max_leaf_chars:
            self.budget.note(f"{location} {' > '.join(path)}: leaf cut to {self.limits.max_leaf_chars} characters")
            text = text[: self.limits.max_leaf_chars]
        self.leaves.append(Leaf(location, " > ".join(path), chain, text, keys, self.direction))

    # -- text ------------------------------------------------------------------
    def text(self, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
             keys: tuple[str, ...], depth: int = 0) -> None:
        """A string value: walk its structure if it has one, else emit it and try blobs."""
        if depth >= self.limits.max_depth:
            self.budget.note(f"{location}: nesting deeper than {self.limits.max_depth} decodings not followed")
            self.emit(text, location, path, chain, keys)
            return
        if self._structured(text, location, path, chain, keys, depth):
            return
        if len(text) > self.limits.max_leaf_chars:
            # unstructured text past the leaf size: what follows (blobs, JWTs, escapes) looks at
            # its head only; decoding a 16 MB run at every level costs its size many times over
            self.budget.note(f"{location} {' > '.join(path)}: text of {len(text)} characters cut to "
                             f"{self.limits.max_leaf_chars}", "leaf size")
            text = text[: self.limits.max_leaf_chars]
        if self.plaintexts is not None and len(text) >= 16:
            for steps, plain in self.plaintexts.plaintexts_in_text(text):
                self.data(plain, location, path, chain + steps, keys, depth + 1)
        self.emit(text, location, path, chain, keys)
        self._blob(text, location, path, chain, keys, depth)
        if "eyJ" in text:
            self._jwt(text, location, path, chain, keys, depth)  # "Bearer <jwt>", "token=<jwt>; ..."
        if "%" in text:
            unquoted = unquote(text)
            if unquoted != text:
                self.text(unquoted, location, path, chain + ("urldecode",), keys, depth + 1)

    def _structured(self, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
                    keys: tuple[str, ...], depth: int) -> bool:
        s = text.lstrip()
        if s[:1] in ("{", "["):
            try:
                obj = json.loads(s)
            except RecursionError:
                self.budget.note(f"{location}: JSON nested too deeply for the parser; scanned as text")
                return False
            except ValueError:
                return False
            if isinstance(obj, (dict, list)):
                screen = None
                if self.relevance is not None and "\\u" not in s and "\\/" not in s:
                    # escapes aside, every leaf's text is in s; without any, as it stands there
                    screen = self.relevance.observe(s, verbatim="\\" not in s)
                if not self._tree_by_position(obj, s, location, path, chain, keys, depth, screen):
                    self.tree(obj, "json", location, path, chain, keys, depth, screen)
                return True
            return False
        if s.startswith("eyJ") and self._jwt(s, location, path, chain, keys, depth):
            return True
        if "=" in s and formats.looks_like_form(s):
            for name, value in formats.split_form(s):
                step = f"form:{name}"
                self.text(value, location, path + (step,), chain + (step,), keys + (normalize_key(name),), depth + 1)
            return True
        return False

    def _jwt(self, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
             keys: tuple[str, ...], depth: int) -> bool:
        parts = formats.split_jwt(text)
        for step, raw in parts or ():
            self.data(raw, location, path + (step,), chain + (step,), keys, depth + 1)
        return bool(parts)

    def _blob(self, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
              keys: tuple[str, ...], depth: int) -> None:
        decoded = formats.decode_blob(text, self.limits.min_blob_chars)
        if decoded is None:
            return
        step, raw = decoded
        self.data(raw, location, path, chain + (step,), keys, depth + 1, binary_ok=False)

    # -- bytes -----------------------------------------------------------------
    def data(self, raw: bytes, location: str, path: tuple[str, ...], chain: tuple[str, ...],
             keys: tuple[str, ...], depth: int, content_type: str = "", binary_ok: bool = True) -> None:
        """Bytes of unknown shape: decompress, recognise, decode, or (if allowed) scan as they are."""
        if depth >= self.limits.max_depth:
            self.budget.note(f"{location}: nesting deeper than {self.limits.max_depth} decodings not followed")
            return
        if not raw or not self.budget.take_bytes(len(raw), location):
            return
        if self.plaintexts is not None and len(raw) >= 16:
            for steps, plain in self.plaintexts.plaintexts_in_bytes(raw):
                self.data(plain, location, path, chain + steps, keys, depth + 1)
        compression = sniff_compression(raw)
        if compression:
            try:
                inflated = decompress(raw, compression, self.budget)
            except DecompressError:
                inflated = None
            if inflated:
                self.data(inflated, location, path, chain + (compression,), keys, depth + 1, content_type)
                return
        ctype = content_type.lower()
        if "multipart/" in ctype:
            parts = formats.multipart_parts(raw, content_type, self.limits.max_multipart_parts)
            if parts is not None:
                for name, part_type, content in parts:
                    step = f"multipart:{name}"
                    self.data(content, location, path + (step,), chain + (step,), keys + (normalize_key(name),),
                              depth + 1, part_type)
                return
        if "protobuf" in ctype or "grpc" in ctype:
            body = raw[5:] if "grpc" in ctype and len(raw) >= 5 else raw
            if self._protobuf(body, location, path, chain, keys, depth, "proto"):
                return
        text = formats.looks_texty(raw)
        if text is not None:
            self.text(text, location, path, chain, keys, depth)
            return
        obj = formats.unpack_msgpack(raw)
        if isinstance(obj, (dict, list)):
            screen = self.relevance.observe(raw.decode("utf-8", "surrogateescape")) if self.relevance is not None else None
            self.tree(obj, "msgpack", location, path, chain + ("msgpack",), keys, depth, screen)
            return
        if self._protobuf(raw, location, path, chain, keys, depth, "proto", sniffed=True):
            return
        if binary_ok:
            self.emit(raw.decode("utf-8", "replace"), location, path, chain, keys)

    def _protobuf(self, raw: bytes, location: str, path: tuple[str, ...], chain: tuple[str, ...],
                  keys: tuple[str, ...], depth: int, prefix: str, sniffed: bool = False) -> bool:
        fields = formats.parse_protobuf(raw, self.limits.max_protobuf_fields)
        if fields is None:
            return False
        if sniffed and not any(wire == 2 and formats.looks_texty(value) for _, wire, value in fields):
            return False  # undeclared: random bytes often parse; a real message carries some text
        chain = chain if prefix != "proto" or "protobuf" in chain else chain + ("protobuf",)
        for number, wire, value in fields:
            here = f"{prefix}.{number}" if prefix != "proto" else f"proto:{number}"
            step_keys = keys + (str(number),)
            if wire == 2:
                nested = depth + 1 < self.limits.max_depth and formats.parse_protobuf(value, self.limits.max_protobuf_fields)
                text = formats.looks_texty(value)
                if text is not None:
                    self.text(text, location, path + (here,), chain + (here,), step_keys, depth + 1)
                elif nested:
                    self._protobuf(value, location, path, chain, step_keys, depth + 1, here)
                else:
                    self.data(value, location, path + (here,), chain + (here,), step_keys, depth + 1, binary_ok=False)
            elif wire == 0:
                self.emit(str(value), location, path + (here,), chain + (here,), step_keys)
            elif wire == 1:
                as_double = formats.fixed64_as_text(value)
                if as_double:
                    self.emit(as_double, location, path + (here,), chain + (here,), step_keys)
        return True

    # -- trees (JSON, msgpack) -------------------------------------------------
    def tree(self, root: Any, kind: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
             keys: tuple[str, ...], depth: int, relevance: Relevance | None = None) -> None:
        """Iterative walk (no recursion: deep documents cannot overflow the stack).

        With a relevance filter (the one ``Relevance.observe`` gave for this document),
        scalars nobody could match are skipped before any path is built for them;
        strings that may hide an encoding are always followed.
        """
        max_nesting = self.limits.max_json_depth
        limits = self.limits
        key_cache = _KEY_CACHE
        min_blob = limits.min_blob_chars
        wants = relevance.wants if relevance is not None else None
        wants_number = relevance.wants_number if relevance is not None else None
        stack: list[tuple[Any, str, tuple[str, ...], int]] = [(root, "$", keys, 0)]
        while stack:
            obj, where, here_keys, level = stack.pop()
            if level >= max_nesting:
                self.budget.note(f"{location}: {kind} nested deeper than {max_nesting}; inner part not walked")
                continue
            named = isinstance(obj, dict)
            members = obj.items() if named else enumerate(obj)
            nested = []
            name = None  # an array element goes by its array's name
            for k, v in members:
                if named:
                    name = key_cache.get(k)
                    if name is None:
                        name = _cached_key(k)
                cls = v.__class__
                # the common JSON types by identity first; anything else by isinstance, as before
                if cls is str or (cls not in _SCALAR_CLASSES and cls not in _CONTAINER_CLASSES and isinstance(v, str)):
                    # a scalar nobody could match is skipped before any path or key tuple is built for it;
                    # a string that may hide something (a blob, JSON, a form, URL-encoding) is always followed
                    if (wants is not None and len(v) < min_blob and "=" not in v and "%" not in v
                            and v[:1] not in _OPENERS and not wants(v, here_keys, name)):
                        continue
                    self._member_text(v, kind, location, path, chain, where, k, here_keys + (name,) if named else here_keys,
                                      depth)
                elif cls in _CONTAINER_CLASSES or (cls not in _SCALAR_CLASSES and isinstance(v, (dict, list, tuple))):
                    nested.append((v, _json_step(where, k), here_keys + (name,) if named else here_keys, level + 1))
                    continue
                elif cls is bool or v is None:
                    continue
                elif cls is int or cls is float or (not isinstance(v, bool) and isinstance(v, (int, float))):
                    if wants_number is not None and not wants_number(v, here_keys, name):
                        continue
                    self._member_number(v, kind, location, path, chain, where, k,
                                        here_keys + (name,) if named else here_keys)
                elif isinstance(v, (bytes, bytearray)):
                    step = f"{kind}:{_json_step(where, k)}"
                    self.data(bytes(v), location, path + (step,), chain + (step,),
                              here_keys + (name,) if named else here_keys, depth + 1, binary_ok=False)
                if self.budget.leaves >= limits.max_leaves:
                    self.budget.take_leaf()
                    return
            stack.extend(reversed(nested))

    def _member_text(self, v: str, kind: str, location: str, path: tuple[str, ...], chain: tuple[str, ...], where: str,
                     k: Any, keys: tuple[str, ...], depth: int) -> None:
        step = f"{kind}:{_json_step(where, k)}"
        self.text(v, location, path + (step,), chain + (step,), keys, depth + 1)

    def _member_number(self, v: int | float, kind: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
                       where: str, k: Any, keys: tuple[str, ...]) -> None:
        step = f"{kind}:{_json_step(where, k)}"
        self.emit(str(v), location, path + (step,), chain + (step,), keys)

    def _tree_by_position(self, root: Any, text: str, location: str, path: tuple[str, ...], chain: tuple[str, ...],
                          keys: tuple[str, ...], depth: int, screen: Relevance | None) -> bool:
        """What ``tree`` does for a JSON document, by position (see jsonpos): the same leaves in
        the same order, without visiting every scalar. False when the document is left to tree."""
        if getattr(screen, "keyed", None) is None:  # only a screen of an escape-free document knows positions
            return False
        limits = self.limits
        found = jsonpos.slots(text, root, keys, screen, limits.min_blob_chars, limits.max_json_depth, _cached_key)
        if found is None:
            return False
        min_blob = limits.min_blob_chars
        for where, here_keys, named, k, name, v in found:
            member_keys = here_keys + (name,) if named else here_keys
            if v.__class__ is str:
                if (len(v) < min_blob and "=" not in v and "%" not in v and v[:1] not in _OPENERS
                        and not screen.wants(v, here_keys, name)):
                    continue
                self._member_text(v, "json", location, path, chain, where, k, member_keys, depth)
            else:
                if not screen.wants_number(v, here_keys, name):
                    continue
                self._member_number(v, "json", location, path, chain, where, k, member_keys)
            if self.budget.leaves >= limits.max_leaves:
                self.budget.take_leaf()
                break
        return True


_SCALAR_CLASSES = frozenset({int, float, bool, type(None)})
_CONTAINER_CLASSES = frozenset({dict, list, tuple})
_KEY_CACHE: dict[Any, str] = {}


def _cached_key(name: Any) -> str:
    """normalize_key, remembered: the same few hundred field names recur in every flow."""
    norm = _KEY_CACHE.get(name)
    if norm is None:
        if len(_KEY_CACHE) > 50_000:
            _KEY_CACHE.clear()
        norm = _KEY_CACHE[name] = normalize_key(str(name))
    return norm


_OPENERS = ("{", "[")



def _body(walker: Walker, body: bytes, headers: list[tuple[str, str]], location: str = "body",
          path: tuple[str, ...] = ()) -> None:
    lowered = {k.lower(): v for k, v in headers}
    plain, steps = decode_content(body, lowered.get("content-encoding"), walker.budget)
    if plain:
        walker.data(plain, location, path, steps, (), 0, lowered.get("content-type", ""))


def walk_headers(walker: Walker, headers: Iterable[tuple[str, str]], cookie_header: str) -> None:
    cap = walker.limits.max_header_chars
    for name, value in headers:
        lname = name.lower()
        if lname in _SKIP_HEADERS:
            continue
        if len(value) > cap:
            walker.budget.note(f"header {name[:64]!r} of {len(value)} characters cut to {cap}", "header size")
            value = value[:cap]
        if lname == cookie_header:
            for cname, cvalue in formats.split_cookies(value):
                walker.text(cvalue, "cookie", (cname,), (), (normalize_key(cname),))
        else:
            walker.text(value, "header", (name,), (), (normalize_key(name),))


def walk_url(w: Walker, url: str) -> None:
    """Host, path segments (key: the segment before) and query parameters."""
    parts = urlsplit(url)
    if parts.hostname:
        w.emit(parts.hostname, "url", ("host",), (), ())
    segments = [s for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments):
        w.text(unquote(segment), "path", (f"segment[{i}]",), (), (normalize_key(segments[i - 1]) if i else "",))
    if parts.query:
        for name, value in formats.split_form(parts.query):
            w.text(value, "query", (name,), (), (normalize_key(name),))


def walk_request(flow: FlowRecord, budget: Budget, plaintexts: PlaintextSource | None = None) -> list[Leaf]:
    w = Walker(budget, "request", plaintexts)
    walk_url(w, flow.url)
    walk_headers(w, flow.request_headers, "cookie")
    if flow.request_body:
        _body(w, flow.request_body, flow.request_headers)
    return w.leaves


def walk_response(flow: FlowRecord, budget: Budget, plaintexts: PlaintextSource | None = None) -> list[Leaf]:
    w = Walker(budget, "response", plaintexts)
    walk_headers(w, flow.response_headers, "set-cookie")
    if flow.response_body:
        _body(w, flow.response_body, flow.response_headers)
    return w.leaves


def walk_websocket(flow: FlowRecord, budget: Budget, from_client: bool,
                   plaintexts: PlaintextSource | None = None, relevance: Relevance | None = None) -> list[Leaf]:
    w = Walker(budget, "ws_client" if from_client else "ws_server", plaintexts, relevance)
    for i, message in enumerate(flow.websocket):
        if message.from_client == from_client and message.content:
            w.data(message.content, "websocket", (f"message[{i}]",), (), (), 0)
    return w.leaves
