"""A tiny MaxMind DB (IPv4, 24-bit records) written from the format specification, so the
GeoIP lookups are tested against a real mmdb file read by the maxminddb package."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"


def _uint(type_id: int, value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    if type_id <= 7:
        return bytes([(type_id << 5) | len(raw)]) + raw
    return bytes([len(raw), type_id - 7]) + raw  # extended type


def encode(value: Any) -> bytes:
    if isinstance(value, str):
        raw = value.encode("utf-8")
        assert len(raw) < 29
        return bytes([(2 << 5) | len(raw)]) + raw
    if isinstance(value, dict):
        assert len(value) < 29
        return bytes([(7 << 5) | len(value)]) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list):
        return bytes([len(value), 11 - 7]) + b"".join(encode(v) for v in value)
    if isinstance(value, tuple):  # (type id, int): uint16 = 5, uint32 = 6, uint64 = 9
        return _uint(*value)
    raise TypeError(value)


def write_country_mmdb(path: Path, network: str, iso_code: str) -> Path:
    """One IPv4 network mapped to {"country": {"iso_code": ...}}; every other address empty."""
    net = ipaddress.IPv4Network(network)
    bits = format(int(net.network_address), "032b")[: net.prefixlen]
    node_count = len(bits)
    data = encode({"country": {"iso_code": iso_code, "names": {"en": iso_code}}})
    data_pointer = node_count + 16  # data section offset 0
    tree = b""
    for depth, bit in enumerate(bits):
        onward = depth + 1 if depth + 1 < node_count else data_pointer
        left, right = (onward, node_count) if bit == "0" else (node_count, onward)
        tree += left.to_bytes(3, "big") + right.to_bytes(3, "big")
    metadata = encode({
        "node_count": (6, node_count), "record_size": (5, 24), "ip_version": (5, 4),
        "database_type": "Test-Country", "languages": ["en"],
        "binary_format_major_version": (5, 2), "binary_format_minor_version": (5, 0),
        "build_epoch": (9, 1_700_000_000), "description": {"en": "consentry test"},
    })
    path.write_bytes(tree + b"\x00" * 16 + data + METADATA_MARKER + metadata)
    return path


