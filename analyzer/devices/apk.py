"""What an APK says about itself: package, versionName and requested permissions.

``--apk FILE`` must name the package it installs before the device is touched. An APK's
``AndroidManifest.xml`` is Android binary XML (AXML: a string pool, a resource-id map
and element chunks, as ``aapt`` writes it); a plain-text manifest (lab apps) is read as
XML. Only the few fields the runner needs are read; anything malformed is an ApkError.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ANDROID_NS = "http://schemas.android.com/apk/res/android"
_RES_XML, _STRING_POOL, _RES_MAP, _START_ELEMENT = 0x0003, 0x0001, 0x0180, 0x0102
_UTF8_FLAG = 1 << 8
_NO_ENTRY = 0xFFFFFFFF
_TYPE_STRING = 0x03
# android:name / android:versionName resource ids (obfuscated manifests drop the names).
_ATTR_IDS = {0x01010003: "name", 0x0101021C: "versionName", 0x0101021B: "versionCode"}
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


class ApkError(ValueError):
    """Not an APK we can read (one line)."""


@dataclass
class ApkInfo:
    package: str
    version_name: str = ""
    permissions: list[str] = field(default_factory=list)


def read_apk(path: Path) -> ApkInfo:
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                info = zf.getinfo("AndroidManifest.xml")
            except KeyError:
                raise ApkError(f"{path}: no AndroidManifest.xml (not an APK)") from None
            if info.file_size > MAX_MANIFEST_BYTES:
                raise ApkError(f"{path}: AndroidManifest.xml larger than {MAX_MANIFEST_BYTES} bytes")
            data = zf.read(info)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ApkError(f"{path}: not an APK ({exc})") from None
    if data.lstrip()[:1] == b"<":
        return _text_manifest(data, path)
    return _binary_manifest(data, path)


def _text_manifest(data: bytes, path: Path) -> ApkInfo:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ApkError(f"{path}: manifest with a DTD refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ApkError(f"{path}: AndroidManifest.xml is not XML ({exc})") from None
    perms = [el.get(f"{{{ANDROID_NS}}}name", "") for el in root.iter("uses-permission")]
    return _info(root.get("package", ""), root.get(f"{{{ANDROID_NS}}}versionName", ""), perms, path)


def _info(package: str, version: str, perms: list[str], path: Path) -> ApkInfo:
    if not package:
        raise ApkError(f"{path}: the manifest names no package")
    return ApkInfo(package, version, [p for p in perms if p])


def _binary_manifest(data: bytes, path: Path) -> ApkInfo:
    try:
        kind, header = struct.unpack_from("<HH", data, 0)
        if kind != _RES_XML:
            raise ApkError(f"{path}: AndroidManifest.xml is neither binary XML nor text")
        strings: list[str] = []
        res_ids: list[int] = []
        package = version = ""
        perms: list[str] = []
        pos = header
        while pos + 8 <= len(data):
            ctype, chead, csize = struct.unpack_from("<HHI", data, pos)
            if csize < 8 or pos + csize > len(data):
                raise ApkError(f"{path}: truncated binary manifest")
            if ctype == _STRING_POOL:
                strings = _string_pool(data, pos)
            elif ctype == _RES_MAP:
                res_ids = list(struct.unpack_from(f"<{(csize - chead) // 4}I", data, pos + chead))
            elif ctype == _START_ELEMENT:
                name, attrs = _element(data, pos, chead, strings, res_ids)
                if name == "manifest":
                    package, version = attrs.get("package", ""), attrs.get("versionName", "")
                elif name == "uses-permission":
                    perms.append(attrs.get("name", ""))
            pos += csize
    except (struct.error, IndexError, UnicodeDecodeError):
        raise ApkError(f"{path}: malformed binary manifest") from None
    return _info(package, version, perms, path)


def _string_pool(data: bytes, start: int) -> list[str]:
    _, _, _, count, _, flags, strings_start, _ = struct.unpack_from("<HHIIIIII", data, start)
    offsets = struct.unpack_from(f"<{count}I", data, start + 28)
    utf8 = bool(flags & _UTF8_FLAG)
    out = []
    for off in offsets:
        p = start + strings_start + off
        if utf8:
            p += 2 if data[p] & 0x80 else 1  # length in characters
            n = data[p]
            if n & 0x80:
                n = ((n & 0x7F) << 8) | data[p + 1]
                p += 1
            p += 1
            out.append(data[p : p + n].decode("utf-8"))
        else:
            n = struct.unpack_from("<H", data, p)[0]
            if n & 0x8000:
                n = ((n & 0x7FFF) << 16) | struct.unpack_from("<H", data, p + 2)[0]
                p += 2
            p += 2
            out.append(data[p : p + 2 * n].decode("utf-16-le"))
    return out


def _element(data: bytes, pos: int, head: int, strings: list[str], res_ids: list[int]) -> tuple[str, dict[str, str]]:
    _ns, name_idx, attr_start, attr_size, attr_count = struct.unpack_from("<IIHHH", data, pos + head)
    attrs: dict[str, str] = {}
    base = pos + head + attr_start
    for i in range(attr_count):
        _ans, aname, raw, _size, _res0, dtype, value = struct.unpack_from("<IIIHBBI", data, base + i * attr_size)
        key = _ATTR_IDS.get(res_ids[aname]) if aname < len(res_ids) else None
        key = key or (strings[aname] if aname < len(strings) else "")
        if raw != _NO_ENTRY:
            attrs[key] = strings[raw]
        elif dtype == _TYPE_STRING:
            attrs[key] = strings[value]
        else:
            attrs[key] = str(value)
    return (strings[name_idx] if name_idx < len(strings) else ""), attrs
