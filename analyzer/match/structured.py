"""Personal data inside structured API returns: contact rows, account lists, Wi-Fi scan
results, installed-package lists.

A hooked call's return is either JSON data (imported event files, hooks that convert
rows) or the hook's text form of a Java list (``[PackageInfo{5f2 com.tencent.mm}, ...]``,
``[Account {name=a@b.example, type=com.google}]``, ``SSID: Lab, BSSID: 02:..``). Each value
inside becomes an identifier of the API's kind, so an address-book upload is matched as
``contacts`` rather than as a bare phone number (or missed).
"""

from __future__ import annotations

import re
from typing import Any, Iterator

STRUCTURED_KINDS = frozenset({"contacts", "account", "bssid", "ssid", "installed_apps"})
MAX_VALUES = 500
MAX_DEPTH = 8
MIN_CHARS = 2

# Row fields that describe the row, not the person (ContactsContract columns, ScanResult flags).
_NOT_PERSONAL = frozenset({
    "_id", "id", "contact_id", "raw_contact_id", "lookup", "mimetype", "account_type", "type", "data2", "label",
    "version", "dirty", "deleted", "starred", "times_contacted", "last_time_contacted", "photo_id", "photo_uri",
    "capabilities", "frequency", "level", "timestamp", "channelwidth", "centerfreq0", "centerfreq1", "flags",
    "versioncode", "versionname", "firstinstalltime", "lastupdatetime", "uid", "enabled", "targetsdkversion",
})
_ACCOUNT_NAME = re.compile(r"name=([^,}\]]+)")
_SCAN_FIELD = re.compile(r"\b(SSID|BSSID):\s*([^,\]]*)")
_PACKAGE = re.compile(r"\b[a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_]+){1,8}\b")
_PACKAGE_INFO = re.compile(r"(?:PackageInfo|ApplicationInfo)\{[0-9a-f]+ ([a-zA-Z0-9_.]+)")
_KEY_VALUE = re.compile(r"(\w+)=([^,}\]]+)")
_PHONE = re.compile(r"\+?\d[\d \-]{5,18}\d")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _leaves(obj: Any, key: str | None = None, depth: int = 0) -> Iterator[tuple[str | None, str]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, str(k), depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v, key, depth + 1)
    elif isinstance(obj, str):
        yield key, obj
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield key, str(obj)


def _from_data(kind: str, ret: Any) -> Iterator[tuple[str, str]]:
    for key, value in _leaves(ret):
        name = (key or "").lower()
        if name in _NOT_PERSONAL:
            continue
        if kind in ("bssid", "ssid"):
            if name in ("bssid", "ssid"):
                yield name, value
            continue
        if kind == "account" and name and name != "name":
            continue
        if kind == "installed_apps" and not _PACKAGE.fullmatch(value):
            continue
        yield kind, value


def _from_text(kind: str, text: str) -> Iterator[tuple[str, str]]:
    if kind in ("bssid", "ssid"):
        for field, value in _SCAN_FIELD.findall(text):
            yield field.lower(), value.strip()
    elif kind == "account":
        for value in _ACCOUNT_NAME.findall(text):
            yield kind, value.strip()
    elif kind == "installed_apps":
        found = _PACKAGE_INFO.findall(text)
        if not found and text.startswith("["):
            found = [p for p in (part.strip() for part in text.strip("[]").split(",")) if _PACKAGE.fullmatch(p)]
        for value in found:
            yield kind, value
    elif kind == "contacts":
        pairs = _KEY_VALUE.findall(text)
        for key, value in pairs:
            if key.lower() not in _NOT_PERSONAL:
                yield kind, value.strip()
        if not pairs:
            for value in _PHONE.findall(text) + _EMAIL.findall(text):
                yield kind, value.strip()


def identifiers_in_return(kind: str | None, ret: Any) -> list[tuple[str, str]]:
    """(kind, value) pairs inside a structured return of an API of a structured kind."""
    if kind not in STRUCTURED_KINDS or ret in (None, "", [], {}):
        return []
    if isinstance(ret, (list, dict)):
        pairs = _from_data(kind, ret)
    elif isinstance(ret, str) and (ret.startswith(("[", "{")) or "=" in ret or "SSID:" in ret):
        pairs = _from_text(kind, ret)
    else:
        return []
    out: dict[tuple[str, str], None] = {}
    for k, v in pairs:
        v = v.strip()
        if len(v) >= MIN_CHARS and not v.isspace() and v.lower() not in ("null", "<unknown ssid>", "02:00:00:00:00:00"):
            out[(k, v)] = None
        if len(out) >= MAX_VALUES:
            break
    return list(out)
