"""Writes an APK whose AndroidManifest.xml is Android binary XML, laid out as aapt writes it
(RES_XML header, UTF-16 string pool, resource-id map, namespace and element chunks)."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

ANDROID_NS = "http://schemas.android.com/apk/res/android"
NAME_ID, VERSION_NAME_ID = 0x01010003, 0x0101021C


def _pool(strings: list[str]) -> bytes:
    offsets, blob = [], b""
    for s in strings:
        offsets.append(len(blob))
        blob += struct.pack("<H", len(s)) + s.encode("utf-16-le") + b"\0\0"
    blob += b"\0" * (-len(blob) % 4)
    header = 28
    strings_start = header + 4 * len(strings)
    body = struct.pack(f"<{len(strings)}I", *offsets) + blob
    return struct.pack("<HHIIIIII", 0x0001, header, header + len(body), len(strings), 0, 0, strings_start, 0) + body


def _start(strings, name, attrs) -> bytes:
    ext = struct.pack("<IIHHHHHH", 0xFFFFFFFF, strings.index(name), 20, 20, len(attrs), 0, 0, 0)
    body = b""
    for ns, key, value in attrs:
        ns_idx = strings.index(ns) if ns else 0xFFFFFFFF
        body += struct.pack("<IIIHBBI", ns_idx, strings.index(key), strings.index(value), 8, 0, 0x03, strings.index(value))
    size = 16 + len(ext) + len(body)
    return struct.pack("<HHIII", 0x0102, 16, size, 1, 0xFFFFFFFF) + ext + body


def _end(strings, name) -> bytes:
    return struct.pack("<HHIIIII", 0x0103, 16, 24, 1, 0xFFFFFFFF, 0xFFFFFFFF, strings.index(name))


def binary_manifest(package: str, version: str, permissions: list[str]) -> bytes:
    # Attribute names with resource ids come first in the pool, in the order of the id map.
    strings = ["name", "versionName", "android", ANDROID_NS, "package", "manifest", "uses-permission", package, version, *permissions]
    res_map = struct.pack("<HHI", 0x0180, 8, 16) + struct.pack("<II", NAME_ID, VERSION_NAME_ID)
    ns = struct.pack("<HHIIIII", 0x0100, 16, 24, 1, 0xFFFFFFFF, strings.index("android"), strings.index(ANDROID_NS))
    chunks = _pool(strings) + res_map + ns
    chunks += _start(strings, "manifest", [(None, "package", package), (ANDROID_NS, "versionName", version)])
    for perm in permissions:
        chunks += _start(strings, "uses-permission", [(ANDROID_NS, "name", perm)]) + _end(strings, "uses-permission")
    chunks += _end(strings, "manifest")
    return struct.pack("<HHI", 0x0003, 8, 8 + len(chunks)) + chunks


def write_apk(path: Path, package: str, version: str = "1.0", permissions: list[str] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("AndroidManifest.xml", binary_manifest(package, version, list(permissions)))
        zf.writestr("classes.dex", b"dex\n035\0")
    return path
