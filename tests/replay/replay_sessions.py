"""Sessions for replay/diff tests, built through the store API (no lab device needed).

Two kinds of session:
- ``stored_findings``: real flows plus findings (the report's typed ``Finding``) stored as an
  analysis run (start_run/finish_run), for the diff/JUnit logic on its own;
- ``recorded``: flows carrying identifiers in their bodies and query strings plus
  consent and identifier events, for the real analysis pipeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from analyzer.models.events import ConsentEvent, IdentifierEvent
from analyzer.models.report import Finding
from analyzer.models.flow import FlowRecord
from analyzer.store import Store, open_store
from analyzer.store.types import to_epoch_ms

T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone.utc)

DEVICE = {
    "imei": "867530912345678",
    "android_id": "9774d56d682e549c",
    "oaid": "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",
    "location": "39.9042,116.4074",
    "phone_number": "13812345678",
}


@dataclass
class Leak:
    """One finding to store: what leaked where, and how many flows carried it."""

    rule: str
    pii_type: str | None
    host: str | None
    sdk: str | None
    phase: str = "pre_consent"
    flows: int = 1
    value: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def finding_dict(leak: Leak, flow_id: str | None, url: str | None, ts: dt.datetime, n: int) -> dict[str, Any]:
    value = leak.value or DEVICE.get(leak.pii_type or "", "x")
    raw = f"{leak.rule}|{leak.phase}|{leak.pii_type}|{url}|{n}|{value}"
    finding: dict[str, Any] = {
        "id": hashlib.sha256(raw.encode()).hexdigest()[:24],
        "rule": leak.rule,
        "phase": leak.phase,
        "pii_type": leak.pii_type,
        "location": "body" if flow_id else None,
        "encoding": ["json:$.d"] if flow_id else [],
        "sdk": leak.sdk,
        "confidence": "high",
        "ts": ts.isoformat(),
        "evidence": {"value": value, "matched": value, "excerpt": f'{{"d":"{value}"}}', "path": "json:$.d"},
    }
    if flow_id:
        finding["flow"] = {"id": flow_id, "url": url, "method": "POST", "host": leak.host, "ts": ts.isoformat()}
        finding["destination"] = {"host": leak.host, "party": "third", "sdk": leak.sdk}
    finding.update(leak.extra)
    return finding


def finding_of(leak: Leak, flow_id: str | None, url: str | None, ts: dt.datetime, n: int) -> Finding:
    return Finding.model_validate(finding_dict(leak, flow_id, url, ts, n))


def stored_findings(
    store: Store, name: str, leaks: list[Leak], *, app: tuple[str, str] = ("com.labshop.app", "1.0"),
    consent: str | None = "none", ruleset: str = "test.1", started: dt.datetime = T0,
) -> list[Finding]:
    """A session whose current analysis run holds findings for LEAKS (one real flow each)."""
    sess = store.create_session(name, app=app, consent_choice=consent, status="finished")
    store.update_session(name, started_at=started)
    findings = []
    n = 0
    for leak in leaks:
        for _ in range(leak.flows):
            n += 1
            ts = started + dt.timedelta(seconds=n)
            flow_id = url = None
            if leak.host:
                url = f"https://{leak.host}/collect?n={n}"
                value = leak.value or DEVICE.get(leak.pii_type or "", "x")
                body = json.dumps({"d": value}).encode()
                (flow_id,) = store.add_flows(
                    sess.id,
                    [FlowRecord(method="POST", url=url, ts_start=ts, request_body=body,
                                request_headers=[("content-type", "application/json")], status_code=200)],
                )
            findings.append(finding_of(leak, flow_id, url, ts, n))
    run = store.start_run(sess.id, ruleset, "test")
    store.finish_run(run, findings, stats={}, verdicts={})
    return findings


# -- recorded sessions for the real pipeline ---------------------------------------------------


@dataclass
class Send:
    """A request the app made: seconds after start, to URL, with the device's KINDS in its body."""

    at_s: float
    url: str
    kinds: tuple[str, ...]
    in_query: bool = False


def recorded(
    store: Store, name: str, sends: list[Send], *, app: tuple[str, str] = ("com.labshop.app", "1.0"),
    consent_at_s: float | None = None, consent_action: str = "granted", consent_choice: str = "accept",
    first_party: tuple[str, ...] = ("labshop.example",), started: dt.datetime = T0,
) -> str:
    """A finished session: identifier events, a consent event and flows carrying identifiers."""
    sess = store.create_session(
        name, app=app, consent_choice=consent_choice, status="finished", first_party_domains=first_party,
        device={"kind": "lab", "name": "test-device"},
    )
    store.update_session(name, started_at=started, ended_at=started + dt.timedelta(seconds=120))
    t0 = to_epoch_ms(started)
    events: list[Any] = [IdentifierEvent(ts=t0, kind=k, value=v, source="profile") for k, v in sorted(DEVICE.items())]
    if consent_at_s is not None:
        events.append(ConsentEvent(ts=t0 + consent_at_s * 1000, action=consent_action, source="ui"))
    store.add_events(sess.id, events, origin="import")
    flows = []
    for send in sends:
        ts = started + dt.timedelta(seconds=send.at_s)
        payload = {k: DEVICE[k] for k in send.kinds}
        url, body = send.url, b""
        if send.in_query:
            url += ("&" if "?" in url else "?") + "&".join(f"{k}={v}" for k, v in payload.items())
        else:
            body = json.dumps({"app": app[0], "d": payload}).encode()
        flows.append(
            FlowRecord(
                method="POST" if body else "GET", url=url, ts_start=ts, ts_end=ts + dt.timedelta(milliseconds=80),
                request_headers=[("host", url.split("/")[2]), ("content-type", "application/json")],
                request_body=body, status_code=200, response_headers=[("content-type", "application/json")],
                response_body=b'{"ok":true}', tls=url.startswith("https"),
            )
        )
    store.add_flows(sess.id, flows)
    return name
