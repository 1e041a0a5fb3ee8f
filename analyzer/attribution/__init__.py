"""Who collected or received personal data: SDK signatures and first/third party.

Two kinds of evidence, both from the shipped table ``signatures.json``:

* code: a Java stack (innermost frame first) names the SDK whose code made the call.
  Framework frames (``java.*``, ``android.*``, Frida's own, ...) are skipped; the first
  frame inside a known SDK package wins; reaching the app's own package first means
  the app itself made the call (no SDK).
* network: the destination host, matched on label boundaries against SDK endpoint
  suffixes, the longest suffix winning.

Party of a destination: hosts inside the app's first-party domains (registrable-domain
comparison) are ``first``; a known SDK endpoint is ``third`` unless the app claims it;
with no first-party list, a host whose registrable domain's first label equals the
app package's organisation label (``com.labshop.leaky`` -> ``labshop``) is ``first``
(heuristic); everything else is ``third`` when the app is known, ``unknown`` otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

from analyzer.attribution.domains import host_has_suffix, is_ip, normalize_host, registrable_domain

# Leading labels of package names that are not an organisation (com.x.app, cn.x.app).
GENERIC_PACKAGE_ROOTS = frozenset({"com", "cn", "org", "net", "io", "me", "app", "co", "top", "xyz", "tv", "cc", "de", "uk", "us"})


@dataclass(frozen=True)
class Sdk:
    id: str
    name: str
    organisation: str
    category: str
    code_prefixes: tuple[str, ...]
    hosts: tuple[str, ...]
    name_zh: str = ""

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "name_zh": self.name_zh or self.name, "organisation": self.organisation,
                "category": self.category}


@dataclass(frozen=True)
class PartyVerdict:
    party: str  # first | third | unknown
    basis: str  # first_party_domain | sdk_host | package_heuristic | not_first_party | no_app


_MEMO_LIMIT = 50_000


class SignatureTable:
    def __init__(self, sdks: Sequence[Sdk], framework_prefixes: Sequence[str], version: str = "") -> None:
        self.version = version
        self.sdks = {s.id: s for s in sdks}
        self.framework_prefixes = tuple(framework_prefixes)
        # Longest prefix first so com.google.android.gms.measurement beats a shorter one.
        self._code = sorted(((p, s) for s in sdks for p in s.code_prefixes), key=lambda ps: -len(ps[0]))
        self._hosts = sorted(((h, s) for s in sdks for h in s.hosts), key=lambda hs: -len(hs[0]))
        # The analyzer asks about the same stacks and hosts for every flow and match.
        self._stack_memo: dict[tuple[tuple[str, ...], str | None], Sdk | None] = {}
        self._host_memo: dict[str, Sdk | None] = {}

    @classmethod
    def from_json(cls, data: dict) -> "SignatureTable":
        sdks = [sdk_from_entry(e) for e in data["sdks"]]
        return cls(sdks, data.get("framework_prefixes", ()), data.get("version", ""))

    def merged(self, entries: Sequence[dict], framework_prefixes: Sequence[str] = ()) -> "SignatureTable":
        """This table with a user's catalogue entries on top (same id: the user's entry wins)."""
        if not entries and not framework_prefixes:
            return self
        sdks = dict(self.sdks)
        for e in entries:
            sdks[e["id"]] = sdk_from_entry(e)
        prefixes = tuple(dict.fromkeys((*self.framework_prefixes, *framework_prefixes)))
        return SignatureTable(list(sdks.values()), prefixes, f"{self.version}+user")

    def get(self, sdk_id: str | None) -> Sdk | None:
        return self.sdks.get(sdk_id) if sdk_id else None

    # -- code ---------------------------------------------------------------------------
    def sdk_for_class(self, class_or_frame: str) -> Sdk | None:
        name = frame_class(class_or_frame)
        for prefix, sdk in self._code:
            if name == prefix or name.startswith(prefix + "."):
                return sdk
        return None

    def is_framework(self, frame: str) -> bool:
        return frame_class(frame).startswith(self.framework_prefixes) or not frame.strip()

    def sdk_for_stack(self, stack: Iterable[str], app_package: str | None = None) -> Sdk | None:
        """The SDK whose code is nearest the call; None when the app itself called."""
        key = (tuple(stack), app_package)
        if key not in self._stack_memo:
            if len(self._stack_memo) > _MEMO_LIMIT:  # one table serves every session of a replay --all
                self._stack_memo.clear()
            self._stack_memo[key] = self._sdk_for_stack(key[0], app_package)
        return self._stack_memo[key]

    def _sdk_for_stack(self, stack: tuple[str, ...], app_package: str | None) -> Sdk | None:
        for frame in stack:
            if not isinstance(frame, str) or self.is_framework(frame):
                continue
            sdk = self.sdk_for_class(frame)
            if sdk is not None:
                return sdk
            if app_package and _in_package(frame_class(frame), app_package):
                return None
        return None

    # -- network ------------------------------------------------------------------------
    def sdk_for_host(self, host: str) -> Sdk | None:
        if host not in self._host_memo:
            if len(self._host_memo) > _MEMO_LIMIT:
                self._host_memo.clear()
            self._host_memo[host] = self._sdk_for_host(normalize_host(host))
        return self._host_memo[host]

    def _sdk_for_host(self, host: str) -> Sdk | None:
        for suffix, sdk in self._hosts:
            if host_has_suffix(host, suffix):
                return sdk
        return None

    def party_of(self, host: str, *, first_party_domains: Sequence[str] = (), app_package: str | None = None) -> PartyVerdict:
        host = normalize_host(host)
        if is_local_host(host):
            return PartyVerdict("first", "local_host")
        for domain in first_party_domains:
            domain = normalize_host(domain)
            if domain and (host_has_suffix(host, domain) or registrable_domain(host) == registrable_domain(domain)):
                return PartyVerdict("first", "first_party_domain")
        if self.sdk_for_host(host) is not None:
            return PartyVerdict("third", "sdk_host")
        if first_party_domains:
            return PartyVerdict("third", "not_first_party")
        org = package_organisation(app_package)
        if org is None:
            return PartyVerdict("unknown", "no_app")
        if not is_ip(host) and registrable_domain(host).split(".")[0] == org:
            return PartyVerdict("first", "package_heuristic")
        return PartyVerdict("third", "package_heuristic")


def sdk_from_entry(e: dict) -> Sdk:
    return Sdk(
        id=e["id"], name=e.get("name", e["id"]), organisation=e.get("organisation", ""),
        category=e.get("category", ""), code_prefixes=tuple(e.get("code_prefixes", ())),
        hosts=tuple(normalize_host(h) for h in e.get("hosts", ())), name_zh=e.get("name_zh", ""),
    )


def frame_class(frame: str) -> str:
    """``com.x.Y.m(Y.java:3)`` -> ``com.x.Y.m``; module prefixes (``java.base/``) dropped."""
    head = frame.split("(", 1)[0].strip()
    return head.rsplit("/", 1)[-1]


def _in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# Special-use names (RFC 6761, 6762, 8375) and loopback: the lab's own machine or network,
# never a third party on the Internet.
LOCAL_SUFFIXES = ("localhost", "local", "lab", "test", "internal", "home.arpa", "invalid")


def is_local_host(host: str) -> bool:
    host = normalize_host(host).strip("[]")
    if is_ip(host):
        import ipaddress

        ip = ipaddress.ip_address(host)
        return ip.is_loopback or ip.is_unspecified or ip.is_link_local
    return any(host_has_suffix(host, s) for s in LOCAL_SUFFIXES)


def package_organisation(package: str | None) -> str | None:
    """The organisation label of an Android package name, if it has one."""
    if not package:
        return None
    labels = [p for p in package.lower().split(".") if p]
    if len(labels) >= 2 and labels[0] in GENERIC_PACKAGE_ROOTS:
        return labels[1]
    return labels[0] if len(labels) >= 2 else None


@lru_cache(maxsize=1)
def default_signatures() -> SignatureTable:
    text = resources.files("analyzer.attribution").joinpath("signatures.json").read_text("utf-8")
    return SignatureTable.from_json(json.loads(text))


__all__ = [
    "PartyVerdict",
    "Sdk",
    "SignatureTable",
    "default_signatures",
    "frame_class",
    "is_local_host",
    "package_organisation",
    "registrable_domain",
]
