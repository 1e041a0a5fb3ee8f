"""analyze_session: stored flows and events in, findings out (one analysis run).

Order of work: events (consent, UI clicks, lifecycle, API calls, crypto) are read once
and turned into the consent timeline, the foreground timeline and the call index; the
identifier set and crypto index are built; then flows stream from the store one batch
at a time (memory stays flat however large the session), each is scanned, placed on
the timeline, attributed and judged. API-call rules and over-frequency run on the
calls. Findings go to the store in batches as they are made (spill.py), are numbered
by (ts, id) and become the session's current run.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from analyzer import __version__
from analyzer.analysis.findings import api_call_ref, finding_id, new_finding, request_line
from analyzer.analysis.spill import FindingSink, RunFindings
from analyzer.attribution import PartyVerdict, SignatureTable, frame_class
from analyzer.attribution.catalogue import session_signatures
from analyzer.rules.declared import DeclaredPractice, disclosure_rule_infos, session_declaration
from analyzer.correlate.calls import ApiCall, CallIndex
from analyzer.correlate.timeline import (
    DEVICE,
    WORKSTATION,
    ConsentTimeline,
    ForegroundTimeline,
    Placement,
    iso,
    iso_ms,
)
from analyzer.models.events import (
    PII_KINDS,
    ApiCallEvent,
    ConsentEvent,
    CryptoEvent,
    LifecycleEvent,
    UiEvent,
    UnknownEvent,
)
from analyzer.models.flow import FlowRecord
from analyzer.models.match import Match
from analyzer.models.report import Finding
from analyzer.rules import RulesConfig, Ruleset, load_ruleset
from analyzer.rules.engine import Hit, api_phase_hit, flow_hits, peak_window
from analyzer.store.types import to_epoch_ms

Progress = Callable[[int, int], None]
_HOST_MEMO_LIMIT = 10_000
_RANK = {"low": 0, "medium": 1, "high": 2}
SCANNED_DIRECTIONS = ("request", "ws_client")


@dataclass
class AnalysisResult:
    run_id: Any
    findings: Sequence[dict[str, Any]]  # RunFindings: read from the store when iterated
    stats: dict[str, Any]
    verdicts: dict[str, Any]


@dataclass
class SessionContext:
    """Everything about a session the rules need besides the flows themselves."""

    session: Any
    ruleset: Ruleset
    config: RulesConfig
    enabled: frozenset[str]
    package: str | None
    first_party: tuple[str, ...]
    timeline: ConsentTimeline
    foreground: ForegroundTimeline
    calls: list[ApiCall]
    call_index: CallIndex
    crypto_events: list[CryptoEvent]
    signatures: SignatureTable
    stats: dict[str, Any] = field(default_factory=dict)
    declared: Any = None  # DeclaredPractice when the session has a declaration
    _hosts: dict[str, tuple[PartyVerdict, Any]] = field(default_factory=dict, repr=False)
    _rule_order: tuple[Any, dict[str, int]] | None = field(default=None, repr=False)

    @property
    def uncertainty_ms(self) -> float:
        return float(self.session.clock_uncertainty_ms or 0.0)

    def host_party(self, host: str) -> tuple[PartyVerdict, Any]:
        """(party verdict, SDK of the host) of a destination: the same for every request to
        it in this session, so worked out once per host."""
        known = self._hosts.get(host)
        if known is None:
            if len(self._hosts) >= _HOST_MEMO_LIMIT:  # a session of random hosts must not grow this without end
                self._hosts.clear()
            sig = self.signatures
            known = self._hosts[host] = (sig.party_of(host, first_party_domains=self.first_party, app_package=self.package),
                                         sig.sdk_for_host(host))
        return known

    def rule_order(self) -> dict[str, int]:
        """Rule id -> its place in the catalogue (the order a finding lists its rules in)."""
        if self._rule_order is None or self._rule_order[0] is not self.ruleset:
            self._rule_order = (self.ruleset, {rule: i for i, rule in enumerate(self.ruleset.rule_ids)})
        return self._rule_order[1]


def first_party_domains(session: Any, extra: Iterable[str] = ()) -> tuple[str, ...]:
    domains: list[str] = []
    if session.app is not None:
        domains += [d for d in (session.app.first_party_domains or []) if isinstance(d, str)]
    domains += [d for d in (session.meta or {}).get("first_party_domains", []) if isinstance(d, str)]
    domains += list(extra)
    return tuple(dict.fromkeys(d.strip().lower() for d in domains if d.strip()))


def load_context(store, session, ruleset: Ruleset, config: RulesConfig, *, signatures: SignatureTable | None = None) -> SessionContext:
    consent, clicks, lifecycle, calls, crypto = [], [], [], [], []
    unreadable = 0
    for stored in store.iter_events(session.id, types=["consent", "ui", "lifecycle", "api_call", "crypto"]):
        ev = stored.event
        if isinstance(ev, UnknownEvent):  # stored by an older version, no longer valid
            unreadable += 1
        elif isinstance(ev, ConsentEvent):
            consent.append(stored)
        elif isinstance(ev, UiEvent):
            clicks.append(stored)
        elif isinstance(ev, LifecycleEvent):
            lifecycle.append(stored)
        elif isinstance(ev, ApiCallEvent):
            calls.append(ApiCall.from_event(stored))
        elif isinstance(ev, CryptoEvent):
            crypto.append(ev)
    uncertainty = float(session.clock_uncertainty_ms or 0.0)
    timeline = ConsentTimeline.build(
        consent, clicks, uncertainty_ms=uncertainty, floor_ms=config.ambiguity_floor_ms,
        ui_consent_near_ms=config.ui_consent_near_ms,
    )
    foreground = ForegroundTimeline.build(
        lifecycle, grace_ms=config.background_grace_ms, floor_ms=config.ambiguity_floor_ms, uncertainty_ms=uncertainty,
    )
    disabled = set(config.disabled_rules)
    signatures = signatures or session_signatures(session)
    declaration = session_declaration(session)
    declared = DeclaredPractice.resolve(declaration, signatures) if declaration is not None else None
    if declared is not None:
        ruleset = ruleset.with_rules(disclosure_rule_infos())
    return SessionContext(
        session=session,
        ruleset=ruleset,
        config=config,
        enabled=frozenset(r for r in ruleset.rule_ids if r not in disabled),
        package=session.app.package if session.app is not None else None,
        first_party=first_party_domains(session),
        timeline=timeline,
        foreground=foreground,
        calls=calls,
        call_index=CallIndex(calls),
        crypto_events=crypto,
        signatures=signatures,
        stats={"unreadable_events": unreadable} if unreadable else {},
        declared=declared,
    )


# The context of the latest analysis run in this process: a report built right after its
# analysis, or several reports of one run, read the session's events once. Keyed by the
# run and the session's event count, so a mark added since is never missed.
_LAST_CONTEXT: dict[tuple[str, Any, int], SessionContext] = {}


def run_context(store, session, run, ruleset: Ruleset, config: RulesConfig, *, events: int) -> SessionContext:
    """The analysis context of ``run`` (computed by the run itself when it ran in this process)."""
    key = (store.url, run.id, events)
    ctx = _LAST_CONTEXT.get(key)
    if ctx is None:
        ctx = load_context(store, session, ruleset, config)
        _remember_context(key, ctx)
    return ctx


def _remember_context(key: tuple[str, Any, int], ctx: SessionContext) -> None:
    _LAST_CONTEXT.clear()  # one run's context at a time: a corpus replay must not pile them up
    _LAST_CONTEXT[key] = ctx


# -- flows ------------------------------------------------------------------------------
def _flow_clock(flow: FlowRecord) -> str:
    """Proxy and imported flows carry workstation time; in-process hook flows device time."""
    return DEVICE if flow.source == "hook" else WORKSTATION


def dedupe_matches(matches: Sequence[Match]) -> list[Match]:
    """One match per (PII type, value, location, path): the most confident, first found."""
    best: dict[tuple[str, str, str, str], Match] = {}
    for m in matches:
        if m.direction not in ("request", "ws_client"):
            continue
        key = (m.pii_type, m.value, m.location, m.path)
        kept = best.get(key)
        if kept is None or _RANK.get(m.confidence, 0) > _RANK.get(kept.confidence, 0):
            best[key] = m
    return list(best.values())


def _placement_evidence(placement: Placement) -> dict[str, Any]:
    ref = placement.reference
    out: dict[str, Any] = {
        "relative_to_consent_ms": placement.relative_ms,
        "consent_action": ref.action if ref is not None else None,
    }
    if placement.sides:
        out["phase_candidates"] = list(placement.sides)
    return out


# Collections: an uploaded address book or app list is one item, however many entries.
COLLECTION_KINDS = frozenset({"contacts", "installed_apps"})
MAX_COLLECTION_VALUES = 50


def _item_key(m: Match) -> tuple[str, str]:
    return (m.pii_type, "*" if m.pii_type in COLLECTION_KINDS else m.value)


def _items(matches: Sequence[Match]) -> list[list[Match]]:
    """Matches grouped per personal-data item (PII type, value), most confident first."""
    items: dict[tuple[str, str], list[Match]] = {}
    for m in matches:
        items.setdefault(_item_key(m), []).append(m)
    return [sorted(ms, key=lambda m: -_RANK.get(m.confidence, 0)) for ms in items.values()]


def merge_hits(ctx: SessionContext, hits: Iterable[Hit]) -> dict[str, Hit]:
    """Rule id -> its most confident hit, in catalogue order."""
    best: dict[str, Hit] = {}
    for hit in hits:
        kept = best.get(hit.rule)
        if kept is None or _RANK.get(hit.confidence, 0) > _RANK.get(kept.confidence, 0):
            best[hit.rule] = hit
    if len(best) == 1:
        return best
    order = ctx.rule_order()
    return dict(sorted(best.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def rule_fields(hits: dict[str, Hit]) -> dict[str, Any]:
    """rule / rules / rule_confidence / confidence of a finding breaking these rules."""
    rules = list(hits)
    confidence = max((h.confidence for h in hits.values()), key=lambda c: _RANK.get(c, 0))
    return {
        "rule": rules[0],
        "rules": rules,
        "rule_confidence": {r: h.confidence for r, h in hits.items()},
        "confidence": confidence,
    }


def _occurrence(m: Match) -> dict[str, Any]:
    return {"location": m.location, "path": m.path, "encoding": list(m.encoding), "matched": m.matched,
            "confidence": m.confidence}


@dataclass
class _FlowSide:
    """What every item of one request shares: when, where to, who by."""

    flow: FlowRecord
    ref: dict[str, Any]
    ts_ms: float
    placement: Placement
    foreground: str
    party: Any
    host_sdk: Any
    stack: list[str]
    stack_sdk: Any
    destination: dict[str, Any]


def _flow_side(ctx: SessionContext, flow: FlowRecord, seq: int) -> _FlowSide:
    clock = _flow_clock(flow)
    ts_ms = to_epoch_ms(flow.ts_start)
    sig = ctx.signatures
    party, host_sdk = ctx.host_party(flow.host)
    stack = [str(f) for f in (flow.meta or {}).get("stack", []) if isinstance(f, str)]
    if party.basis == "package_heuristic" and party.party == "third" and host_sdk is None and stack and app_called(ctx, stack):
        # no first-party list was given: a host the app's own code sends to is its own backend
        party = PartyVerdict("first", "app_code")
    return _FlowSide(
        flow=flow,
        ref={"id": flow.id, "url": flow.url, "method": flow.method, "host": flow.host, "ts": iso(flow.ts_start), "seq": seq},
        ts_ms=ts_ms,
        placement=ctx.timeline.place(ts_ms, clock),
        foreground=ctx.foreground.state_at(ts_ms, clock),
        party=party,
        host_sdk=host_sdk,
        stack=stack,
        stack_sdk=sig.sdk_for_stack(stack, ctx.package) if stack else None,
        destination={
            "host": flow.host,
            "party": party.party,
            "sdk": host_sdk.id if host_sdk else None,
            "organisation": host_sdk.organisation if host_sdk else (ctx.package if party.party == "first" else None),
            "party_basis": party.basis,
        },
    )


def _attribute(ctx: SessionContext, side: _FlowSide, m: Match):
    """(producer call, its SDK, the finding's SDK, the basis of that attribution)."""
    slack = ctx.uncertainty_ms + ctx.config.ambiguity_floor_ms
    producer, producer_sdk = _producer(ctx, m, side.ts_ms, slack, side.party.party, side.host_sdk)
    if side.stack_sdk is not None:
        return producer, producer_sdk, side.stack_sdk, "flow_stack"
    if producer_sdk is not None:
        return producer, producer_sdk, producer_sdk, "api_call_stack"
    if side.host_sdk is not None:
        return producer, producer_sdk, side.host_sdk, "host"
    return producer, producer_sdk, None, ("api_call_stack" if producer is not None else None)


def _item_hits(ctx: SessionContext, side: _FlowSide, item: list[Match], sdk, producer) -> dict[str, Hit]:
    m = item[0]
    app_side = side.party.party == "first" or (producer is not None and app_called(ctx, producer.stack))
    disclosed = disclosure_hits(ctx, sdk.id if sdk else None, m.pii_type, side.placement.phase, m.confidence,
                                app_side=app_side)
    return merge_hits(ctx, [
        *(hit for each in item
          for hit in flow_hits(each.confidence, side.placement, scheme=side.flow.scheme, party=side.party,
                               foreground=side.foreground, enabled=ctx.enabled)),
        *disclosed,
    ])


def _item_evidence(ctx: SessionContext, side: _FlowSide, item: list[Match], hits: dict[str, Hit], producer,
                   producer_sdk, basis) -> dict[str, Any]:
    m = item[0]
    evidence: dict[str, Any] = {
        "value": m.value,
        "matched": m.matched,
        "excerpt": m.excerpt,
        "excerpt_span": list(m.excerpt_span),
        "path": m.path,
        "request_line": request_line(side.flow.method, side.flow.url),
        "identifier_source": m.identifier_source,
        "detector": m.detector,
        "stack": side.stack or (list(producer.stack) if producer is not None else []),
        "api_call": api_call_ref(producer, producer_sdk.id if producer_sdk else None) if producer is not None else None,
        **_placement_evidence(side.placement),
        "sdk_basis": basis,
        "foreground": side.foreground,
        "known": m.known,
    }
    if len(item) > 1:
        evidence["occurrences"] = [_occurrence(each) for each in item[:MAX_COLLECTION_VALUES]]
    if m.pii_type in COLLECTION_KINDS:
        values = list(dict.fromkeys(each.value for each in item))
        evidence["values"] = values[:MAX_COLLECTION_VALUES]
        evidence["value_count"] = len(values)
    notes = {rule: hit.note for rule, hit in hits.items() if hit.note}
    if notes:
        evidence["note"] = next(iter(notes.values()))
        evidence["rule_notes"] = notes
    crypto = crypto_link(ctx, m)
    if crypto is not None:
        evidence["crypto"] = crypto
    return evidence


def flow_findings(ctx: SessionContext, flow: FlowRecord, seq: int, matches: Sequence[Match]) -> list[Finding]:
    """One finding per personal-data item in this request, with every rule it breaks."""
    if not matches:
        return []
    side = _flow_side(ctx, flow, seq)
    out = []
    for item in _items(matches):
        m = item[0]
        producer, producer_sdk, sdk, basis = _attribute(ctx, side, m)
        hits = _item_hits(ctx, side, item, sdk, producer)
        if not hits:
            continue
        out.append(new_finding(
            id=finding_id("flow", seq, *_item_key(m)),
            rules=rule_fields(hits),
            phase=side.placement.phase,
            pii_type=m.pii_type,
            flow=side.ref,
            location=m.location,
            encoding=m.encoding,
            destination=side.destination,
            sdk=sdk,
            ts=side.ref["ts"],
            evidence=_item_evidence(ctx, side, item, hits, producer, producer_sdk, basis),
        ))
    return out


def _producer(ctx: SessionContext, m: Match, ts_ms: float, slack: float, party: str, host_sdk):
    """The hooked call whose returned value this match carries: the latest one before the
    flow, preferring a call made by the receiving side's code (the destination's SDK, or
    the app itself for a first-party host) when several callers read the same value."""
    if not m.known:
        return None, None
    latest = None
    for call in ctx.call_index.producers(m.value, ts_ms, slack):
        sdk = ctx.signatures.sdk_for_stack(call.stack, ctx.package)
        if latest is None:
            latest = (call, sdk)
            if host_sdk is None and party != "first":
                break  # no caller is preferred: the latest call is the answer
        if (sdk is not None and host_sdk is not None and sdk.id == host_sdk.id) or (
            host_sdk is None and party == "first" and sdk is None
        ):
            return call, sdk
    return latest or (None, None)


CRYPTO_STEP_MARKERS = ("-decrypt:", "-preimage:")
CIPHERTEXT_SHOWN = 1024  # base64 characters of a ciphertext kept as evidence


def crypto_link(ctx: SessionContext, m: Match) -> dict[str, Any] | None:
    """The hooked Cipher/MessageDigest call whose output the request carried, for a value
    found only after undoing it: the ciphertext beside the plaintext, and the call's stack."""
    if not any(marker in step for step in m.encoding for marker in CRYPTO_STEP_MARKERS):
        return None
    needle = (m.matched or m.value).encode("utf-8", "surrogateescape")
    for ev in ctx.crypto_events:
        if ev.op not in ("encrypt", "digest"):
            continue
        try:
            plain = base64.b64decode(ev.input_b64 + "=" * (-len(ev.input_b64) % 4))
        except (binascii.Error, ValueError):
            continue
        if needle not in plain:
            continue
        sdk = ctx.signatures.sdk_for_stack(ev.stack, ctx.package)
        return {
            "op": ev.op,
            "algorithm": ev.algorithm,
            "ts_device_ms": ev.ts,
            "ciphertext_b64": ev.output_b64[:CIPHERTEXT_SHOWN],
            "ciphertext_truncated": len(ev.output_b64) > CIPHERTEXT_SHOWN,
            "plaintext": plain[:CIPHERTEXT_SHOWN].decode("utf-8", "replace"),
            "stack": list(ev.stack),
            "sdk": sdk.id if sdk else None,
        }
    return None


# -- API calls ---------------------------------------------------------------------------
@dataclass
class _CallGroup:
    phase: str
    first: ApiCall
    sdk: str | None
    placement: Placement
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    last_iso: str = ""


def app_called(ctx: SessionContext, stack: Sequence[str]) -> bool:
    """True when the app's own package is the nearest caller (as sdk_for_stack walks:
    framework and unknown library frames skipped, a known SDK frame first means no)."""
    if not ctx.package:
        return False
    sig = ctx.signatures
    for frame in stack:
        if not isinstance(frame, str) or sig.is_framework(frame):
            continue
        if sig.sdk_for_class(frame) is not None:
            return False
        name = frame_class(frame)
        if name == ctx.package or name.startswith(ctx.package + "."):
            return True
    return False


def call_sdk(ctx: SessionContext, call: ApiCall) -> str | None:
    sdk = ctx.signatures.sdk_for_stack(call.stack, ctx.package)
    return sdk.id if sdk else None


def disclosure_hits(ctx: SessionContext, sdk_id: str | None, pii_type: str | None, phase: str, confidence: str,
                    *, app_side: bool) -> list[Hit]:
    """undisclosed-sdk / undisclosed-data against the session's declared practice."""
    if ctx.declared is None:
        return []
    return [Hit(rule, phase, confidence) for rule in ctx.declared.rules_broken(sdk_id, pii_type, app_side=app_side)
            if rule in ctx.enabled]


def _call_hits(ctx: SessionContext, call: ApiCall) -> list[tuple[Hit, Placement]]:
    first = ctx.timeline.place(call.first_ts_ms, call.clock)
    last = ctx.timeline.place(call.ts_ms, call.clock) if call.ts_ms != call.first_ts_ms else first
    hits: list[tuple[Hit, Placement]] = []
    hit = api_phase_hit(first, last, ctx.enabled)
    if hit is not None:
        hits.append((hit, first if hit.phase == first.phase else last))
    if "background-collection" in ctx.enabled and ctx.foreground.state_at(call.ts_ms, call.clock) == "background":
        hits.append((Hit("background-collection", last.phase, "high"), last))
    if ctx.declared is not None and call.kind in PII_KINDS:
        sdk = ctx.signatures.sdk_for_stack(call.stack, ctx.package)
        for hit in disclosure_hits(ctx, sdk.id if sdk else None, call.kind, first.phase, "high",
                                   app_side=app_called(ctx, call.stack)):
            hits.append((hit, first))
    return hits


def api_findings(ctx: SessionContext) -> list[Finding]:
    """One finding per (API, kind, SDK, value, phase) group of calls, with every rule it breaks."""
    groups: dict[tuple, _CallGroup] = {}
    for call in sorted(ctx.calls, key=lambda c: (c.first_ts_ms, c.seq)):
        if call.kind not in PII_KINDS:
            continue
        hits = _call_hits(ctx, call)
        if not hits:
            continue
        sdk = call_sdk(ctx, call)
        primary, placement = hits[0]
        key = (call.api, call.kind, sdk, call.value, primary.phase)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _CallGroup(primary.phase, call, sdk, placement)
        group.hits += [hit for hit, _ in hits]
        group.count += call.count
        group.last_iso = call.ts_iso
    return [_call_finding(ctx, g) for g in groups.values()]


def _call_finding(ctx: SessionContext, g: _CallGroup) -> Finding:
    call = g.first
    sdk = ctx.signatures.get(g.sdk)
    hits = merge_hits(ctx, g.hits)
    evidence: dict[str, Any] = {
        "value": call.value,
        "stack": list(call.stack),
        "api_call": api_call_ref(call, g.sdk),
        **_placement_evidence(g.placement),
        "count": g.count,
        "last_ts": g.last_iso,
        "sdk_basis": "api_call_stack" if g.sdk else ("app_code" if app_called(ctx, call.stack) else None),
    }
    notes = {rule: hit.note for rule, hit in hits.items() if hit.note}
    if notes:
        evidence["note"] = next(iter(notes.values()))
        evidence["rule_notes"] = notes
    return new_finding(
        id=finding_id("api", call.seq, call.kind, call.api, g.sdk, call.value, g.phase),
        rules=rule_fields(hits),
        phase=g.phase,
        pii_type=call.kind,
        sdk=sdk,
        ts=call.first_ts_iso,
        evidence=evidence,
    )


def frequency_findings(ctx: SessionContext) -> list[Finding]:
    if "over-frequency-collection" not in ctx.enabled:
        return []
    groups: dict[tuple[str, str | None], list[ApiCall]] = defaultdict(list)
    for call in ctx.calls:
        groups[(call.api, call_sdk(ctx, call))].append(call)
    out = []
    for (api, sdk_id), calls in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        limit = ctx.config.over_frequency.limit_for(api)
        peak = peak_window([(c.first_ts_ms, c.ts_ms, c.count) for c in calls], limit.window_ms)
        if peak is None or peak.count <= limit.max_calls:
            continue
        calls.sort(key=lambda c: (c.first_ts_ms, c.seq))
        first = calls[0]
        at_peak = next((c for c in calls if c.ts_ms >= peak.start_ms), first)
        placement = ctx.timeline.place(peak.start_ms, first.clock)
        sdk = ctx.signatures.get(sdk_id)
        kinds = sorted({c.kind for c in calls if c.kind})
        out.append(new_finding(
            id=finding_id("over-frequency-collection", placement.phase, kinds[0] if kinds else None, "api", first.seq, api, sdk_id),
            rules=rule_fields({"over-frequency-collection": Hit("over-frequency-collection", placement.phase, "high")}),
            phase=placement.phase,
            pii_type=kinds[0] if kinds else None,
            sdk=sdk,
            ts=iso_ms(peak.start_ms),
            evidence={
                "value": at_peak.value,
                "stack": list(at_peak.stack),
                "api_call": api_call_ref(at_peak, sdk_id),
                **_placement_evidence(placement),
                "count": peak.count,
                "window_ms": limit.window_ms,
                "limit": limit.max_calls,
                "total_calls": peak.total,
                "first_ts": first.first_ts_iso,
                "last_ts": max(calls, key=lambda c: c.ts_ms).ts_iso,
                "peak_end_ts": iso_ms(peak.end_ms),
            },
        ))
    return out


# -- the run ----------------------------------------------------------------------------
def _scan(flow: FlowRecord, ids, crypto, limits, session_budget=None):
    from analyzer.match import scan_flow

    directions = SCANNED_DIRECTIONS if flow.websocket else ("request",)
    return scan_flow(flow, ids, crypto, limits, directions=directions, session_budget=session_budget)


def build_matchers(store, ctx: SessionContext):
    from analyzer.match import CryptoIndex, IdentifierSet

    idents = [(i.kind, i.value, i.source) for i in store.identifiers(ctx.session.id)]
    kept = limit_identifiers(idents)
    if len(kept) < len(idents):
        ctx.stats["identifiers_not_matched"] = len(idents) - len(kept)
    return IdentifierSet.build(kept), CryptoIndex.build(ctx.crypto_events), len(idents)


MAX_MATCHED_IDENTIFIERS = 1000  # each becomes ~20 patterns; 20,000 made a 420,000-word automaton


def limit_identifiers(idents: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """At most MAX_MATCHED_IDENTIFIERS, the ones a tester gave first (profile, manual, canary), then hooks'.

    A session whose hooks report thousands of distinct "identifiers" is hostile or broken;
    matching all of them would cost minutes and gigabytes. What is left out is counted and
    said (``stats.identifiers_not_matched``, the report's decoding line).
    """
    if len(idents) <= MAX_MATCHED_IDENTIFIERS:
        return idents
    given_first = sorted(range(len(idents)), key=lambda i: (idents[i][2] == "hook", i))
    return [idents[i] for i in sorted(given_first[:MAX_MATCHED_IDENTIFIERS])]


def analyze_session(
    store,
    session_name: str,
    *,
    ruleset: str | None = None,
    progress: Progress | None = None,
    rules_config: dict[str, Any] | None = None,
    limits=None,
) -> AnalysisResult:
    """Analyse a stored session and make the result its current analysis run."""
    started = time.monotonic()
    session = store.get_session(session_name)
    rs = load_ruleset(ruleset)
    config = rs.config(rules_config)
    ctx = load_context(store, session, rs, config)
    rs = ctx.ruleset  # with the disclosure rules when the session declares its practice
    ids, crypto, n_idents = build_matchers(store, ctx)
    total = store.counts(session.id)["flows"]
    run_id = store.start_run(session.id, rs.version, __version__)
    sink = FindingSink(store, run_id, session.id)  # findings go to the store in batches, not a list
    try:
        flow_stats = _flow_pass(store, ctx, ids, crypto, limits, total, progress, sink)
        sink.add(api_findings(ctx))
        sink.add(frequency_findings(ctx))
        sink.finish()
    except BaseException as exc:
        sink.discard()
        store.fail_run(run_id, f"{type(exc).__name__}: {str(exc)[:200]}")
        raise
    counts = sink.rule_counts
    verdicts = {rule: counts.get(rule, 0) for rule in rs.rule_ids if rule in ctx.enabled}
    stats = {
        **ctx.stats,
        **flow_stats,
        "identifiers": n_idents,
        "api_call_events": len(ctx.calls),
        "crypto_events": len(ctx.crypto_events),
        "consent_basis": ctx.timeline.basis,
        "consent_transitions": len(ctx.timeline.transitions),
        "findings": sink.count,
        "ruleset": rs.version,
        "config": config.model_dump(mode="json"),
        "first_party_domains": list(ctx.first_party),
        "elapsed_s": round(time.monotonic() - started, 3),
    }
    store.finish_run(run_id, [], stats=stats, verdicts=verdicts)  # the findings are stored already
    _remember_context((store.url, run_id, store.counts(session.id)["events"]), ctx)
    return AnalysisResult(run_id, RunFindings(store, run_id, sink.count), stats, verdicts)


def _flow_pass(store, ctx, ids, crypto, limits, total, progress, sink: FindingSink) -> dict[str, Any]:
    scanned = with_pii = matches_total = 0
    notes: list[str] = []
    from analyzer.decode.limits import DecodeLimits, SessionBudget

    session_budget = SessionBudget(limits or DecodeLimits())  # what the whole run may decode
    # Flows stream in capture order; the position is the flow's key in finding ids.
    for position, flow in enumerate(store.iter_flows(ctx.session.id), 1):
        scanned = position
        scan = _scan(flow, ids, crypto, limits, session_budget)
        for note in scan.notes:
            if len(notes) < 50:
                notes.append(f"flow {position}: {note}")
        matches = dedupe_matches(scan.matches)
        if matches:
            with_pii += 1
            matches_total += len(matches)
            sink.add(flow_findings(ctx, flow, position, matches))
        if progress is not None:
            progress(scanned, total)
    line = session_budget.summary_line()
    skipped = ctx.stats.get("identifiers_not_matched")
    if skipped:
        extra = f"{skipped} identifiers past the limit of {MAX_MATCHED_IDENTIFIERS} not matched"
        line = f"{line}; {extra}" if line else extra
    decoding = {"flows_not_fully_decoded": session_budget.flows_cut, "reasons": dict(session_budget.reasons),
                "decoded_bytes": session_budget.decoded_bytes, "line": line}
    return {"flows": scanned, "flows_with_pii": with_pii, "matches": matches_total, "scan_notes": notes,
            "decoding": decoding}

