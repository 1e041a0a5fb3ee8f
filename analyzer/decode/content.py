"""Content-encodings (gzip, deflate, br, zstd), undone incrementally under a cap.

Every decompressor pulls output in bounded steps, so a 1 GB bomb costs at most
``max_decompressed_bytes`` of memory and stops with a note. A body whose header
lies (``Content-Encoding: gzip`` on plain text) is scanned as it is, with a note;
a body that is compressed without saying so is recognised by its magic bytes.
"""

from __future__ import annotations

import io
import zlib

import brotlicffi
import zstandard

from analyzer.decode.limits import Budget

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
_STEP = 256 * 1024


class DecompressError(Exception):
    """The data is not in the format the decoder was told (or guessed)."""


class _Cap:
    """Output accounting shared by the decompressors: size cap and ratio cap."""

    def __init__(self, name: str, compressed_len: int, budget: Budget) -> None:
        limits = budget.limits
        by_ratio = max(compressed_len, 1) * limits.max_ratio
        self.name = name
        self.limit = min(limits.max_decompressed_bytes, max(by_ratio, 64 * 1024))
        self.reason = "size" if self.limit == limits.max_decompressed_bytes else "ratio"
        room = budget.decode_room()  # what is left of the flow's and the session's budget
        if room < self.limit:
            self.limit, self.reason = room, "budget"
        self.budget = budget
        self.out = bytearray()
        self.hit = False

    def room(self) -> int:
        return self.limit - len(self.out)

    def add(self, data: bytes) -> bool:
        """Append; False once the cap is reached (output is truncated at the cap) or time is up."""
        if len(data) >= self.room():
            kept = data[: self.room()]
            self.out += kept
            self.budget.spend_decoded(len(kept))
            self.hit = True
            what = {"size": f"{self.limit} bytes", "ratio": f"ratio {self.budget.limits.max_ratio}:1",
                    "budget": "the decoding budget of the flow/analysis"}[self.reason]
            self.budget.note(f"{self.name}: decompression stopped at {what} (possible bomb); output truncated",
                             self.reason)
            return False
        self.out += data
        self.budget.spend_decoded(len(data))
        if self.budget.out_of_time():
            self.hit = True
            return False
        return True


def _zlib_stream(data: bytes, wbits: int, cap: _Cap) -> bytes:
    remaining = data
    members = wbits > zlib.MAX_WBITS  # gzip: several members may follow each other
    while remaining:
        d = zlib.decompressobj(wbits)
        pending = remaining
        try:
            while True:
                chunk = d.decompress(pending, min(_STEP, cap.room() + 1))
                if not cap.add(chunk):
                    return bytes(cap.out)
                pending = d.unconsumed_tail
                if d.eof or (not pending and not chunk):
                    break
        except zlib.error as exc:
            if not cap.out:
                raise DecompressError(str(exc)) from None
            cap.budget.note(f"{cap.name}: corrupt stream after {len(cap.out)} bytes; kept the prefix")
            return bytes(cap.out)
        if not d.eof:
            if not cap.out:
                raise DecompressError("truncated stream, no output")
            cap.budget.note(f"{cap.name}: truncated stream; kept {len(cap.out)} bytes")
            break
        remaining = d.unused_data if members else b""
        if remaining and not remaining.startswith(GZIP_MAGIC):
            break
    return bytes(cap.out)


def _brotli(data: bytes, cap: _Cap) -> bytes:
    # brotli's one-shot process() has no output bound: 512 input bytes can come out as
    # 637 MB in a single call, before any cap is looked at. brotlicffi's output_buffer_limit
    # hands the output over in bounded steps instead (the input is kept by the decoder).
    d = brotlicffi.Decompressor()
    pending = data
    try:
        while True:
            chunk = d.process(pending, output_buffer_limit=min(_STEP, cap.room() + 1))
            pending = b""
            if not cap.add(chunk):
                break
            if d.is_finished() or (not chunk and d.can_accept_more_data()):
                break
        if not d.is_finished() and not cap.hit:
            if not cap.out:
                raise DecompressError("brotli: truncated stream, no output")
            cap.budget.note(f"{cap.name}: truncated stream; kept {len(cap.out)} bytes")
    except brotlicffi.error as exc:
        if not cap.out:
            raise DecompressError(f"brotli: {exc}") from None
        cap.budget.note(f"{cap.name}: corrupt stream after {len(cap.out)} bytes; kept the prefix")
    return bytes(cap.out)


def _zstd(data: bytes, cap: _Cap) -> bytes:
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
        while True:
            chunk = reader.read(min(_STEP, cap.room() + 1))
            if not chunk or not cap.add(chunk):
                break
    except zstandard.ZstdError as exc:
        if not cap.out:
            raise DecompressError(f"zstd: {exc}") from None
        cap.budget.note(f"{cap.name}: corrupt stream after {len(cap.out)} bytes; kept the prefix")
    return bytes(cap.out)


def decompress(data: bytes, encoding: str, budget: Budget) -> bytes:
    """Undo one content-encoding; raises DecompressError if data is not in it."""
    enc = encoding.strip().lower()
    cap = _Cap(enc, len(data), budget)
    if enc in ("gzip", "x-gzip"):
        if not data.startswith(GZIP_MAGIC):
            raise DecompressError("no gzip magic")
        return _zlib_stream(data, 16 + zlib.MAX_WBITS, cap)
    if enc == "deflate":
        wbits = zlib.MAX_WBITS if data[:2] in ZLIB_HEADERS else -zlib.MAX_WBITS
        return _zlib_stream(data, wbits, cap)
    if enc == "br":
        return _brotli(data, cap)
    if enc == "zstd":
        if not data.startswith(ZSTD_MAGIC):
            raise DecompressError("no zstd magic")
        return _zstd(data, cap)
    raise DecompressError(f"unsupported content-encoding {encoding!r}")


def sniff_compression(data: bytes) -> str | None:
    """The compression a blob visibly uses (magic bytes), if any."""
    if data.startswith(GZIP_MAGIC):
        return "gzip"
    if data.startswith(ZSTD_MAGIC):
        return "zstd"
    if data[:2] in ZLIB_HEADERS and len(data) > 6:
        return "deflate"
    return None


def decode_content(body: bytes, content_encoding: str | None, budget: Budget) -> tuple[bytes, tuple[str, ...]]:
    """Undo the Content-Encoding chain of a body; returns (bytes, steps taken).

    Encodings are undone last-applied first. A step that fails leaves the bytes as
    they were (with a note): the header lied, the body is scanned as sent.
    """
    limit = budget.limits.max_input_bytes
    if len(body) > limit:
        budget.note(f"body of {len(body)} bytes cut to the first {limit} bytes (max_input_bytes)", "body size")
        body = body[:limit]
    steps: list[str] = []
    declared = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    for enc in reversed(declared):
        if enc == "identity":
            continue
        try:
            body = decompress(body, enc, budget)
        except DecompressError as exc:
            budget.note(f"content-encoding {enc!r} declared but body is not {enc} ({exc}); scanned as sent")
            continue
        steps.append(enc)
    if not steps:
        sniffed = sniff_compression(body)
        if sniffed:
            try:
                body = decompress(body, sniffed, budget)
                steps.append(sniffed)
                budget.note(f"body is {sniffed}-compressed without a content-encoding header")
            except DecompressError:
                pass
    if len(body) > limit:  # decoded, the body is held to the same size as a plain one
        budget.note(f"decoded body of {len(body)} bytes cut to the first {limit} bytes (max_input_bytes)", "body size")
        body = body[:limit]
    return body, tuple(steps)
