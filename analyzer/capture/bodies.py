"""Bodies between the wire form (content-encoded) and the decoded form HAR files hold.

FlowRecords keep the bytes as sent; HAR keeps them decoded. Going either way must
not trust the headers (a body may lie about its encoding) nor expand without bound
(a decompression bomb), so decoding goes through the capped decoders.
"""

from __future__ import annotations

from mitmproxy.net import encoding as mencoding

from analyzer.decode.content import DecompressError, decompress
from analyzer.decode.limits import Budget, DecodeLimits

ENCODABLE = ("gzip", "deflate", "br", "zstd")
# HAR holds decoded bodies, so an export decodes more than an analysis would; still, a body
# that expands past 200:1 is exported as its wire bytes (base64) rather than written out
# decoded (250 flows of 1000:1 gzip would otherwise make a 9 GB HAR).
EXPORT_LIMITS = DecodeLimits(max_decompressed_bytes=256 * 1024 * 1024, max_input_bytes=256 * 1024 * 1024,
                             max_expanded_bytes=256 * 1024 * 1024, max_ratio=200,
                             max_session_decoded_bytes=256 * 1024 * 1024)


def content_encodings(headers: list[tuple[str, str]]) -> list[str]:
    """Declared content-encodings in the order they were applied (identity dropped)."""
    found: list[str] = []
    for name, value in headers:
        if name.lower() == "content-encoding":
            found += [e.strip().lower() for e in value.split(",") if e.strip()]
    return [e for e in found if e != "identity"]


def decode_body(body: bytes, encodings: list[str]) -> bytes | None:
    """The decoded body, or None when it is not what the headers claim or hits a cap."""
    budget = Budget(EXPORT_LIMITS)
    for enc in reversed(encodings):
        if enc not in ENCODABLE and enc != "x-gzip":
            return None
        try:
            body = decompress(body, enc, budget)
        except DecompressError:
            return None
        if budget.notes:  # truncated by a cap: the decoded form would be incomplete
            return None
    return body


def encode_body(body: bytes, encodings: list[str]) -> bytes | None:
    """Apply the encodings in order; None when one is not supported."""
    for enc in encodings:
        name = "gzip" if enc == "x-gzip" else enc
        if name not in ENCODABLE:
            return None
        body = mencoding.encode(body, name)
    return body


def wire_from_har(body: bytes, encodings: list[str], warnings: list[str], what: str) -> bytes:
    """HAR holds decoded bodies; FlowRecords hold wire bytes. Re-encode unless already encoded."""
    if not encodings or not body:
        return body
    if decode_body(body, encodings) is not None:
        return body  # the exporter kept the encoded bytes (some tools do)
    encoded = encode_body(body, encodings)
    if encoded is None:
        warnings.append(f"{what} declares content-encoding {', '.join(encodings)!r} that cannot be applied; body kept as given")
        return body
    return encoded
