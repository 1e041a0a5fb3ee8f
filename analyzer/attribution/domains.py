"""Host names: registrable domains and label-boundary suffix tests.

A full Public Suffix List is not shipped; the second-level public suffixes that
trackers and Chinese/global apps actually use are enough to tell ``a.umeng.com``
and ``b.umeng.com`` apart from ``x.com.cn`` and ``y.com.cn``.
"""

from __future__ import annotations

import ipaddress

# Public suffixes with two labels (the registrable domain then has three).
TWO_LABEL_SUFFIXES = frozenset(
    f"{second}.{tld}"
    for tld, seconds in {
        "cn": ("com", "net", "org", "gov", "edu", "ac", "mil"),
        "hk": ("com", "net", "org", "edu", "gov"),
        "tw": ("com", "net", "org", "edu", "gov"),
        "uk": ("co", "org", "ac", "gov", "ltd", "plc", "me"),
        "jp": ("co", "ne", "or", "ac", "go"),
        "kr": ("co", "or", "ne", "ac", "go"),
        "au": ("com", "net", "org", "edu", "gov"),
        "br": ("com", "net", "org", "gov"),
        "in": ("co", "net", "org", "gov", "ac"),
        "sg": ("com", "net", "org", "edu", "gov"),
        "nz": ("co", "net", "org", "ac", "govt"),
        "za": ("co", "org", "gov", "ac"),
    }.items()
    for second in seconds
)


def normalize_host(host: str) -> str:
    return host.strip().strip(".").lower()


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def registrable_domain(host: str) -> str:
    """``api.labshop.example`` -> ``labshop.example``; ``x.y.com.cn`` -> ``y.com.cn``."""
    host = normalize_host(host)
    if not host or is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    take = 3 if ".".join(labels[-2:]) in TWO_LABEL_SUFFIXES else 2
    return ".".join(labels[-take:])


def host_has_suffix(host: str, suffix: str) -> bool:
    """True when ``suffix`` is ``host`` or one of its parent domains (label boundary)."""
    host, suffix = normalize_host(host), normalize_host(suffix)
    return bool(suffix) and (host == suffix or host.endswith("." + suffix))
