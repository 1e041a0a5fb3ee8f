"""stream_report / build_report: a stored session and its current analysis as a report.

``stream_report`` gives the report's small parts with its findings and request proofs
left in the store (report.source), what the commands render from (report, bundle,
demo reports, the dashboard's download); ``build_report`` is the same
report whole in memory.

The session is analysed first when it has no current analysis run. Everything in the
report comes from the store: the findings of the current run, the consent marks and
sensitive API calls re-read from the session's events (placed with the configuration
that run used), and digests of the recorded flows and events so the report can be
verified against the store or an export later.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from analyzer import __version__
from analyzer.analysis.digest import session_digests
from analyzer.analysis.pipeline import analyze_session, app_called, call_sdk, run_context
from analyzer.correlate.timeline import iso
from analyzer.models.events import PII_KINDS
from analyzer.models.report import ApiCallRef, ConsentMark, Report, RuleInfo, SessionInfo
from analyzer.analysis.findings import finding_rules
from analyzer.report.proof import configured_geoip
from analyzer.report.source import StoredFindings
from analyzer.report.parts import ReportParts
from analyzer.store.marks import audit_trail, list_marks
from analyzer.rules import RulesetError, load_ruleset
from analyzer.store.types import utcnow
from analyzer.store.ui_evidence import consent_screenshots, consent_ui_details
from analyzer.triage.service import annotate

MAX_API_CALLS = 10_000  # entries in the report's call list (batched events; counts stay exact)


def build_report(store, session_name: str, *, reanalyze: bool = False, ruleset: str | None = None,
                 geoip_db: str | None = None) -> Report:
    """The whole report in memory.

    Only campaign reports still render from this (its memory grows with the session); it
    is also the reference the streamed report is checked against byte for byte
    (tests/report/test_report_streaming.py) and for tests that read a report's model.
    """
    parts = stream_report(store, session_name, reanalyze=reanalyze, ruleset=ruleset, geoip_db=geoip_db)
    report = parts.report.model_copy(update={
        "findings": [f for _pos, f in parts.source.iter_findings()],
        "requests": list(parts.source.iter_proofs()),
    })
    report._ui_images = parts.report._ui_images
    return report


def stream_report(store, session_name: str, *, reanalyze: bool = False, ruleset: str | None = None,
                  geoip_db: str | None = None) -> ReportParts:
    """The report with its findings and request proofs left in the store (read a page at a
    time by the renderers); the summary comes from one pass over the stored findings."""
    session = store.get_session(session_name)
    run = store.current_run(session.id)
    if run is None or reanalyze or (ruleset is not None and run.ruleset_version != ruleset):
        analyze_session(store, session_name, ruleset=ruleset)
        run = store.current_run(session.id)
    source = StoredFindings(store, session.id, run.id, annotate=lambda rows: annotate(store, session.id, rows),
                            geoip=configured_geoip(geoip_db))
    tally = _Tally()
    for _ordinal, finding in source.iter_raw():
        tally.add(finding)
    rs = _ruleset_of(run.ruleset_version)
    config = rs.config((run.stats or {}).get("config"))
    counts = store.counts(session.id)
    ctx = run_context(store, session, run, rs, config, events=counts["events"])  # the run's own, when it ran here
    rs = ctx.ruleset  # with the disclosure rules when the session declares its practice
    transition_seqs = {t.mark.seq for t in ctx.timeline.transitions}
    api_calls, calls_total = _api_calls(ctx)
    ui = consent_ui_details(store, session.id)
    manual = {mk.seq: mk for mk in list_marks(store, session.id)}
    report = Report(
        generated_at=iso(utcnow()),
        tool={"name": "consentry", "version": __version__, "ruleset_version": run.ruleset_version,
              "analysis_run": str(run.id), "analysed_at": iso(run.finished_at) if run.finished_at else None,
              "analysis_tool_version": run.tool_version},
        session=_session_info(store, session, counts),
        consent=[
            ConsentMark(
                ts=m.ts_iso, ts_device_ms=m.ts_device_ms if m.clock == "device" else None, action=m.action,
                source=m.source, sdk=m.sdk, text=m.text, api=m.api, changes_phase=m.seq in transition_seqs,
                derived_from_click=m.derived_from_click, **ui.get(m.seq, {}),
                **_manual_flags(manual.get(m.seq)),
            )
            for m in ctx.timeline.marks
            if m.action in ("shown", "granted", "refused", "withdrawn")
        ],
        findings=[],
        requests=[],
        rules=[RuleInfo.model_validate(r) for r in rs.rules],
        summary=_summary(tally, rs, run.verdicts or {}, ctx, calls_total, len(api_calls), run.stats),
        api_calls=api_calls,
        marks_audit=audit_trail(store, session.id),
        sdks=_sdk_names(ctx, tally.sdk_ids, api_calls),
    )
    report._ui_images = consent_screenshots(store, report.consent)
    return ReportParts(report, source)


class _Tally:
    """The summary's counters, from the stored findings one at a time."""

    def __init__(self) -> None:
        self.by_rule: Counter[str] = Counter()
        self.by_phase: Counter[str] = Counter()
        self.by_sdk: Counter[str] = Counter()
        self.by_triage: Counter[str] = Counter()
        self.sdk_ids: set[str] = set()

    def add(self, f: dict[str, Any]) -> None:
        self.by_rule.update(finding_rules(f))
        self.by_phase[f["phase"]] += 1
        self.by_sdk[f.get("sdk") or _lane(f)] += 1
        self.by_triage[(f.get("triage") or {}).get("state", "untriaged")] += 1
        for sdk_id in (f.get("sdk"), (f.get("destination") or {}).get("sdk")):
            if sdk_id:
                self.sdk_ids.add(sdk_id)


def _sdk_names(ctx, finding_sdks: set[str], api_calls) -> dict[str, dict[str, str]]:
    """Catalogue names (en/zh) and organisation of every SDK the report mentions."""
    ids = set(finding_sdks) | {c.sdk for c in api_calls}
    out = {}
    for sdk_id in sorted(i for i in ids if i):
        sdk = ctx.signatures.get(sdk_id)
        if sdk is not None:
            out[sdk_id] = sdk.describe()
    return out


def _manual_flags(mark) -> dict[str, Any]:
    """A manual mark's id, and whether it was forced past the checks (reports flag those)."""
    if mark is None:
        return {}
    flags: dict[str, Any] = {"mark_id": mark.id}
    if mark.forced:
        flags.update(forced=True, forced_reason=mark.reason)
    return flags


def _ruleset_of(version: str):
    try:
        return load_ruleset(version)
    except RulesetError:
        return load_ruleset(None)


def _session_info(store, session, counts: dict[str, Any]) -> SessionInfo:
    app: dict[str, Any] = {}
    if session.app is not None:
        app = {"package": session.app.package, "version": session.app.version, "name": session.app.name,
               "first_party_domains": list(session.app.first_party_domains or [])}
    extra_domains = (session.meta or {}).get("first_party_domains")
    if extra_domains:
        app["extra_first_party_domains"] = list(extra_domains)
    device: dict[str, Any] = {}
    if session.device is not None:
        device = {"kind": session.device.kind, "serial": session.device.serial, "name": session.device.name,
                  **(session.device.info or {})}
    return SessionInfo(
        id=str(session.id), name=session.name, app=app, device=device, consent_choice=session.consent_choice,
        status=session.status, started_at=iso(session.started_at) if session.started_at else None,
        ended_at=iso(session.ended_at) if session.ended_at else None,
        clock_offset_ms=session.clock_offset_ms, clock_uncertainty_ms=session.clock_uncertainty_ms,
        flow_count=counts["flows"], event_count=counts["events"], hashes=session_digests(store, session.id),
        status_detail=session.status_detail, events_by_type=counts.get("events_by_type", {}),
    )


def _api_calls(ctx) -> tuple[list[ApiCallRef], int]:
    sensitive = [c for c in ctx.calls if c.kind in PII_KINDS]
    sensitive.sort(key=lambda c: (c.first_ts_ms, c.seq))
    refs = []
    for call in sensitive[:MAX_API_CALLS]:
        refs.append(ApiCallRef(
            api=call.api, ts=call.first_ts_iso, kind=call.kind, ret=call.ret_json(), stack=list(call.stack),
            count=call.count, sdk=call_sdk(ctx, call) or ("app" if app_called(ctx, call.stack) else None), phase=ctx.timeline.place(call.first_ts_ms, call.clock).phase,
            last_ts=call.ts_iso, seq=call.seq,
        ))
    return refs, len(sensitive)


def _summary(tally: _Tally, rs, verdicts: dict[str, Any], ctx, calls_total: int, calls_listed: int,
             ctx_stats: dict[str, Any] | None = None) -> dict[str, Any]:
    by_rule, by_phase, by_sdk, by_triage = tally.by_rule, tally.by_phase, tally.by_sdk, tally.by_triage
    rows = []
    for rule in rs.rules:
        if rule["id"] not in verdicts and rule["id"] not in by_rule:
            continue  # disabled in that run
        count = by_rule.get(rule["id"], 0)
        rows.append({"rule": rule["id"], "title": rule["title"], "title_zh": rule.get("title_zh"),
                     "severity": rule["severity"], "status": "violation" if count else "pass", "count": count})
    return {
        "by_rule": dict(sorted(by_rule.items())),
        "by_phase": dict(sorted(by_phase.items())),
        "by_sdk": dict(sorted(by_sdk.items())),
        "by_triage": dict(sorted(by_triage.items())),
        "verdicts": rows,
        "violations": sum(1 for r in rows if r["status"] == "violation"),
        "consent_basis": ctx.timeline.basis,
        "api_calls_total": calls_total,
        "api_calls_listed": calls_listed,
        "decoding": (ctx_stats or {}).get("decoding") or {},
    }


def _lane(finding: dict[str, Any]) -> str:
    dest = finding.get("destination") or {}
    if dest.get("sdk"):
        return dest["sdk"]
    return "app" if dest.get("party") == "first" else "unknown"
