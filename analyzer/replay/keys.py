"""What a finding *means*, independent of flow ids and finding ids.

Two analyses of different sessions (app version N and N+1, or a re-recording) never
share flow ids, so findings are compared by meaning: which rule, which kind of
personal data, to which destination, from which SDK, in which consent phase.
The destination is the registrable domain (``a.umeng.com`` and ``b.umeng.com`` are
the same recipient); findings without a network destination (sensitive API calls)
have an empty destination.
"""

from __future__ import annotations

import ipaddress
from typing import Any, NamedTuple

from analyzer.models.report import Finding

# Public suffixes of more than one label that the apps we see talk to. A full public
# suffix list is not shipped: for the hosts that matter (trackers, SDK endpoints,
# first-party APIs) this short table plus "last two labels" gives the right answer.
MULTI_LABEL_SUFFIXES = frozenset(
    {
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn",
        "com.hk", "com.tw", "com.sg", "com.my", "com.au", "net.au", "org.au",
        "co.uk", "org.uk", "ac.uk", "gov.uk", "co.jp", "ne.jp", "or.jp",
        "co.kr", "co.in", "net.in", "org.in", "co.nz", "com.br", "com.mx", "com.tr",
        "co.id", "co.th", "com.vn", "co.za", "appspot.com", "cloudfront.net",
    }
)


class FindingKey(NamedTuple):
    rule: str
    pii_type: str
    destination: str  # registrable domain, "" for findings without a network destination
    sdk: str
    phase: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "pii_type": self.pii_type or None,
            "destination": self.destination or None,
            "sdk": self.sdk or None,
            "phase": self.phase,
        }

    def label(self) -> str:
        parts = [self.rule, self.pii_type or "-", self.destination or "(no destination)"]
        if self.sdk:
            parts.append(f"sdk={self.sdk}")
        parts.append(self.phase)
        return " | ".join(parts)

    def same_leak_elsewhere(self) -> tuple[str, str, str, str]:
        """What stays equal when a leak moves to another domain of the same SDK."""
        return (self.rule, self.pii_type, self.sdk, self.phase)


def registrable_domain(host: str | None) -> str:
    """``sdk.api.umeng.com`` -> ``umeng.com``; IP addresses and single labels as given."""
    if not host:
        return ""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = [part for part in host.split(".") if part]
    if len(labels) <= 2:
        return ".".join(labels)
    if ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def finding_host(finding: dict[str, Any]) -> str:
    """``host_of`` for a finding in report-JSON shape (triage matches those rows)."""
    dest = finding.get("destination") or {}
    flow = finding.get("flow") or {}
    return str(dest.get("host") or flow.get("host") or "").lower()


def finding_sdk(finding: dict[str, Any]) -> str:
    """``sdk_of`` for a finding in report-JSON shape (triage matches those rows)."""
    dest = finding.get("destination") or {}
    return str(finding.get("sdk") or dest.get("sdk") or "")


def host_of(finding: Finding) -> str:
    """Where the finding's data went: its destination's host, else its request's."""
    host = (finding.destination.host if finding.destination else None) or (finding.flow.host if finding.flow else None)
    return (host or "").lower()


def sdk_of(finding: Finding) -> str:
    """The SDK the finding is attributed to, else the one its destination belongs to."""
    return finding.sdk or (finding.destination.sdk if finding.destination else None) or ""


def finding_key(finding: Finding) -> FindingKey:
    return FindingKey(
        rule=finding.rule,
        pii_type=finding.pii_type or "",
        destination=registrable_domain(host_of(finding)),
        sdk=sdk_of(finding),
        phase=finding.phase,
    )
