"""Decoders: walk a flow down to text leaves, each with its location, path and decode chain.

Content-encodings (gzip, deflate, br, zstd), query strings, forms, multipart, JSON
(also inside strings and form fields), base64/base64url/hex blobs, JWT, schema-less
protobuf and msgpack, headers, cookies and URL path segments. All bounded by
:class:`DecodeLimits`; where a decoder gives up, the budget carries a note.
"""

from analyzer.decode.content import DecompressError, decode_content, decompress, sniff_compression
from analyzer.decode.limits import Budget, DecodeLimits
from analyzer.decode.walk import Leaf, PlaintextSource, Walker, normalize_key, walk_request, walk_response, walk_websocket

__all__ = [
    "Budget",
    "DecodeLimits",
    "DecompressError",
    "Leaf",
    "PlaintextSource",
    "Walker",
    "decode_content",
    "decompress",
    "normalize_key",
    "sniff_compression",
    "walk_request",
    "walk_response",
    "walk_websocket",
]
