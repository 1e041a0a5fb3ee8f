"""What the dashboard pages and the JSON API show, as JSON-ready dicts.

Every list is one keyset-paginated query (web/cursor.py): a page costs the same on a
store of ten sessions and of ten thousand. The pages render exactly these dicts, so
the API (``/api/...``) and the HTML never disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import aliased

from analyzer.store import Store, StoreError
from analyzer.store import models as m
from analyzer.store.api import _flow_record as flow_record  # the store's own row -> FlowRecord
from analyzer.store.models_triage import TriageMark
from analyzer.triage.keys import TRIAGE_KEY_COLUMN
from analyzer.triage.states import STATES
from analyzer.web import cursor as cur
from analyzer.web import search
from analyzer.web import triage_sql as T

CHOICE_ORDER = ("accept", "refuse", "none", "withdraw")
PAGE = 50
MAX_PAGE = 500
DECODED_LEAVES = 40
LEAF_TEXT = 400


class NotFound(StoreError):
    """The page's subject does not exist (HTTP 404)."""


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _limit(limit: int | None) -> int:
    return max(1, min(int(limit or PAGE), MAX_PAGE))


def _choice_order(choice: str) -> tuple[int, str]:
    return (CHOICE_ORDER.index(choice) if choice in CHOICE_ORDER else len(CHOICE_ORDER), choice)


# -- shared SQL expressions -------------------------------------------------------------------

_F = m.Finding
_SESSION_MARK = aliased(TriageMark, name="session_mark")
_SESSION_MARK_JOIN = and_(_SESSION_MARK.session_id == _F.session_id, _SESSION_MARK.finding_key == TRIAGE_KEY_COLUMN)


# -- apps ---------------------------------------------------------------------------------------


def apps_page(store: Store, *, after: str | None = None, limit: int | None = None, q: str | None = None) -> dict[str, Any]:
    """Apps by package: versions, the latest version's verdict per consent plan, SDKs, trend."""
    limit = _limit(limit)
    last = cur.decode(after, str)
    with store.session() as s:
        pq = select(m.App.package).distinct().order_by(m.App.package)
        if last:
            pq = pq.where(m.App.package > last[0])
        if q:
            pq = pq.where(func.lower(m.App.package).contains(q.lower(), autoescape=True))
        packages = list(s.scalars(pq.limit(limit + 1)))
        more = len(packages) > limit
        packages = packages[:limit]
        rows = s.execute(
            select(m.App.package, m.App.version, m.Session.id, m.Session.name, m.Session.consent_choice,
                   m.Session.status, m.Session.started_at, m.Session.created_at, m.AnalysisRun.id, m.AnalysisRun.verdicts)
            .join(m.Session, m.Session.app_id == m.App.id)
            .outerjoin(m.AnalysisRun, and_(m.AnalysisRun.session_id == m.Session.id, m.AnalysisRun.is_current.is_(True)))
            .where(m.App.package.in_(packages))
        ).all() if packages else []
        per_package: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            per_package[r[0]].append(r)
        apps = [_app_summary(pkg, per_package.get(pkg, [])) for pkg in packages]
        run_ids = [p.pop("_run") for a in apps for p in a["plans"] if p["run_id"]]
        sdks: dict[str, set[str]] = defaultdict(set)
        if run_ids:
            for run_id, sdk in s.execute(
                select(_F.run_id, _F.sdk).where(_F.run_id.in_(run_ids), _F.sdk.is_not(None)).distinct()
            ):
                sdks[str(run_id)].add(sdk)
    for a in apps:
        a["sdks"] = sorted({x for p in a["plans"] if p["run_id"] for x in sdks.get(p["run_id"], ())})
        for p in a["plans"]:
            p.pop("_run", None)
    return {"apps": apps, "next": cur.encode(packages[-1]) if more else None}


def _started(r) -> dt.datetime:
    return r[6] or r[7]


def _app_summary(package: str, rows: list[Any]) -> dict[str, Any]:
    by_version: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_version[r[1]].append(r)
    versions = sorted(by_version, key=lambda v: min(_started(r) for r in by_version[v]))
    trend = []
    for v in versions:
        latest = _latest_per_choice(by_version[v])
        analysed = [r for r in latest.values() if r[8] is not None]
        trend.append({"version": v, "findings": sum(sum((r[9] or {}).values()) for r in analysed),
                      "sessions": len(by_version[v]), "analysed": bool(analysed)})
    plans = []
    if versions:
        latest = _latest_per_choice(by_version[versions[-1]])
        for choice in sorted(latest, key=_choice_order):
            r = latest[choice]
            verdicts = r[9] or {}
            plans.append({
                "consent": choice, "session": r[3], "status": r[5], "run_id": str(r[8]) if r[8] else None, "_run": r[8],
                "analysed": r[8] is not None, "findings": sum(verdicts.values()),
                "violations": sorted(rule for rule, n in verdicts.items() if n),
            })
    return {"package": package, "versions": versions, "latest_version": versions[-1] if versions else None,
            "sessions": len(rows), "plans": plans, "trend": trend}


def _latest_per_choice(rows: list[Any]) -> dict[str, Any]:
    latest: dict[str, Any] = {}
    for r in sorted(rows, key=lambda r: (_started(r), r[3])):
        latest[r[4] or "unknown"] = r
    return latest


def app_detail(store: Store, package: str, *, after: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """One app: its versions and its sessions (newest first, paginated)."""
    limit = _limit(limit)
    last = cur.decode(after, dt.datetime, str)
    with store.session() as s:
        versions = s.execute(
            select(m.App.version, func.count(m.Session.id), func.min(func.coalesce(m.Session.started_at, m.Session.created_at)))
            .outerjoin(m.Session, m.Session.app_id == m.App.id)
            .where(m.App.package == package)
            .group_by(m.App.version)
        ).all()
        if not versions:
            raise NotFound(f"no app {package!r} in the store")
        started = func.coalesce(m.Session.started_at, m.Session.created_at)
        q = (
            select(m.Session.name, m.App.version, m.Session.consent_choice, m.Session.status, started,
                   m.Session.id, m.AnalysisRun.verdicts, m.AnalysisRun.ruleset_version)
            .join(m.App, m.Session.app_id == m.App.id)
            .outerjoin(m.AnalysisRun, and_(m.AnalysisRun.session_id == m.Session.id, m.AnalysisRun.is_current.is_(True)))
            .where(m.App.package == package)
        )
        if last:
            q = q.where(tuple_(started, m.Session.name) < tuple_(last[0], last[1]))
        rows = s.execute(q.order_by(started.desc(), m.Session.name.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    sessions = [
        {"name": r[0], "version": r[1], "consent": r[2], "status": r[3], "started_at": iso(r[4]),
         "analysed": r[6] is not None, "ruleset": r[7], "findings": sum((r[6] or {}).values()) if r[6] is not None else None,
         "violations": sorted(k for k, n in (r[6] or {}).items() if n)}
        for r in rows
    ]
    ordered = sorted(versions, key=lambda v: (v[2] is None, v[2] or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
    return {
        "package": package,
        "versions": [{"version": v[0], "sessions": v[1], "first_seen": iso(v[2])} for v in ordered],
        "sessions": sessions,
        "next": cur.encode(iso(rows[-1][4]), rows[-1][0]) if more else None,
    }


def app_diff(store: Store, package: str, v_from: str, v_to: str, consent: str | None = None) -> dict[str, Any]:
    """consentry.diff/1 of the latest sessions of two versions (with triage applied)."""
    from analyzer.replay import ReplayError, diff_sessions, latest_session

    try:
        old = latest_session(store, package, v_from, consent or None)
        new = latest_session(store, package, v_to, consent or None)
        return diff_sessions(store, old, new).to_json()
    except ReplayError as exc:
        raise NotFound(str(exc)) from None


# -- sessions -------------------------------------------------------------------------------------


def _session_row(s, name: str) -> m.Session:
    # A page's calls share one ORM session (app.py: one_transaction): read the row once.
    cache = s.info.setdefault("dashboard_session_rows", {})
    row = cache.get(name) or s.scalar(select(m.Session).where(m.Session.name == name))
    if row is None:
        raise NotFound(f"no session named {name!r}")
    cache[name] = row
    return row


def session_detail(store: Store, name: str) -> dict[str, Any]:
    """A session's facts, consent timeline, current analysis, screenshots (lists come paged)."""
    with store.session() as s:
        row = _session_row(s, name)
        run = s.scalar(select(m.AnalysisRun).where(m.AnalysisRun.session_id == row.id, m.AnalysisRun.is_current.is_(True)).limit(1))
        consent = [
            {"seq": e.seq, "ts": iso(e.ts), "action": e.data.get("action"), "source": e.data.get("source"),
             "sdk": e.data.get("sdk"), "origin": e.origin}
            for e in s.scalars(select(m.Event).where(m.Event.session_id == row.id, m.Event.type == "consent")
                               .order_by(m.Event.seq).limit(200))
        ]
        shots = []
        for e in s.scalars(select(m.Event).where(m.Event.session_id == row.id, m.Event.type == "ui").order_by(m.Event.seq).limit(500)):
            sha = _screenshot_sha(e.data)
            if sha:
                shots.append({"seq": e.seq, "ts": iso(e.ts), "action": e.data.get("action"), "text": e.data.get("text"), "sha256": sha})
            if len(shots) >= 40:
                break
        n_flows, flow_cursor = s.execute(
            select(func.count(), func.max(m.Flow.seq)).where(m.Flow.session_id == row.id)).one()
        by_type: dict[str, int] = {}
        event_cursor = 0
        for etype, n, top in s.execute(select(m.Event.type, func.count(), func.max(m.Event.seq))
                                       .where(m.Event.session_id == row.id).group_by(m.Event.type)):
            by_type[etype] = n
            event_cursor = max(event_cursor, top or 0)
        triage_counts = {}
        if run is not None:
            rules = T.for_package(T.active_rules(s), row.app.package if row.app else None)
            states = (select(T.state_expr(_SESSION_MARK, rules).label("state")).select_from(_F)
                      .outerjoin(_SESSION_MARK, _SESSION_MARK_JOIN).where(_F.run_id == run.id).subquery())
            triage_counts = dict(s.execute(select(states.c.state, func.count()).group_by(states.c.state)).all())
    counts = {"flows": n_flows, "events": sum(by_type.values()), "events_by_type": dict(sorted(by_type.items()))}
    return {
        "name": row.name, "id": str(row.id), "status": row.status, "status_detail": row.status_detail,
        "recording": row.status == "recording",
        "app": {"package": row.app.package, "version": row.app.version} if row.app else None,
        "device": {"kind": row.device.kind, "name": row.device.name, "serial": row.device.serial} if row.device else None,
        "consent_choice": row.consent_choice, "started_at": iso(row.started_at), "ended_at": iso(row.ended_at),
        "clock_offset_ms": row.clock_offset_ms, "clock_uncertainty_ms": row.clock_uncertainty_ms,
        "counts": counts, "consent_timeline": consent, "screenshots": shots,
        "flow_cursor": flow_cursor or 0, "event_cursor": event_cursor,
        "analysis": None if run is None else {
            "run_id": str(run.id), "ruleset": run.ruleset_version, "status": run.status,
            "finished_at": iso(run.finished_at), "verdicts": run.verdicts or {},
            "findings": sum((run.verdicts or {}).values()), "triage": triage_counts,
        },
    }


def _screenshot_sha(data: dict[str, Any]) -> str | None:
    for holder in (data, data.get("evidence") if isinstance(data.get("evidence"), dict) else None):
        if holder:
            sha = holder.get("screenshot")
            if isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha):
                return sha
    return None


def screenshot(store: Store, name: str, sha: str) -> bytes:
    """A consent screenshot the session's events refer to (PNG bytes)."""
    with store.session() as s:
        row = _session_row(s, name)
        referenced = any(
            _screenshot_sha(e.data) == sha
            for e in s.scalars(select(m.Event).where(m.Event.session_id == row.id, m.Event.type == "ui").limit(5000))
        )
        data = s.scalar(select(m.Body.data).where(m.Body.sha256 == sha)) if referenced else None
    if data is None or not bytes(data).startswith(b"\x89PNG\r\n\x1a\n"):
        raise NotFound("no such screenshot in this session")
    return bytes(data)


def session_findings(store: Store, name: str, *, after: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """The current analysis' findings in time order, grouped by request, with triage state."""
    limit = _limit(limit or 100)
    last = cur.decode(after, dt.datetime, int)
    with store.session() as s:
        row = _session_row(s, name)
        mark = _SESSION_MARK
        rules = T.for_package(T.active_rules(s), row.app.package if row.app else None)
        q = (
            select(_F.pk, _F.ts, _F.data, mark.state, mark.reason, mark.author, mark.updated_at, T.state_expr(mark, rules))
            .join(m.AnalysisRun, and_(m.AnalysisRun.id == _F.run_id, m.AnalysisRun.is_current.is_(True)))
            .outerjoin(mark, _SESSION_MARK_JOIN)
            .where(_F.session_id == row.id)
        )
        if last:
            q = q.where(tuple_(_F.ts, _F.pk) > tuple_(last[0], last[1]))
        rows = s.execute(q.order_by(_F.ts, _F.pk).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    findings = [_finding_out(r[2], r[7], r[3:7], session=name) for r in rows]
    groups: list[dict[str, Any]] = []
    for f in findings:
        flow = f.get("flow") or {}
        call = (f.get("evidence") or {}).get("api_call") or {}
        key = flow.get("id") or f"api:{call.get('api')}"
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "flow": flow or None, "findings": []})
        groups[-1]["findings"].append(f)
    return {"session": name, "findings": findings, "groups": groups,
            "next": cur.encode(iso(rows[-1][1]), rows[-1][0]) if more else None}


def _finding_out(data: dict[str, Any], state: str, mark_cols, *, session: str, app: str | None = None) -> dict[str, Any]:
    ev = data.get("evidence") or {}
    out = {
        "id": data.get("id"), "session": session, "rule": data.get("rule"), "phase": data.get("phase"),
        "pii_type": data.get("pii_type"), "sdk": data.get("sdk"), "confidence": data.get("confidence"),
        "ts": data.get("ts"), "flow": data.get("flow"), "destination": data.get("destination"),
        "location": data.get("location"), "encoding": data.get("encoding") or [],
        "evidence": {k: ev.get(k) for k in ("value", "matched", "excerpt", "excerpt_span", "path", "request_line", "api_call")},
        "triage": {"state": state},
    }
    if app is not None:
        out["app"] = app
    m_state, m_reason, m_author, m_at = mark_cols
    if m_state is not None:
        out["triage"] = {"state": m_state, "reason": m_reason, "by": m_author, "at": iso(m_at), "source": "mark"}
    elif state != "untriaged":
        out["triage"] = {"state": state, "source": "suppression"}
    return out


def session_flows(store: Store, name: str, *, after: int | None = None, limit: int | None = None,
                  decoded: bool = True) -> dict[str, Any]:
    """Flows in capture order (seq cursor), each with its request decoded to leaves."""
    limit = _limit(limit or 25)
    with store.session() as s:
        row = _session_row(s, name)
        q = select(m.Flow).where(m.Flow.session_id == row.id)
        if after is not None:
            q = q.where(m.Flow.seq > after)
        flows = list(s.scalars(q.order_by(m.Flow.seq).limit(limit + 1)))
        more = len(flows) > limit
        flows = flows[:limit]
        finding_counts = dict(s.execute(
            select(_F.flow_id, func.count()).join(m.AnalysisRun, and_(m.AnalysisRun.id == _F.run_id, m.AnalysisRun.is_current.is_(True)))
            .where(_F.flow_id.in_([f.id for f in flows])).group_by(_F.flow_id)
        ).all()) if flows else {}
        bodies: dict[str, bytes] = {}
        shas = {f.request_body_sha for f in flows if f.request_body_sha}
        if decoded and shas:
            bodies = {sha: bytes(data) for sha, data in s.execute(select(m.Body.sha256, m.Body.data).where(m.Body.sha256.in_(shas)))}
        out = []
        for f in flows:
            item = _flow_summary(f)
            item["findings"] = finding_counts.get(f.id, 0)
            if decoded:
                item["decoded"] = decoded_request(flow_record(f, bodies, []))
            out.append(item)
    return {"session": name, "flows": out, "next": flows[-1].seq if more else None}


def _flow_summary(f: m.Flow) -> dict[str, Any]:
    return {"id": str(f.id), "seq": f.seq, "ts": iso(f.ts_start), "method": f.method, "url": f.url, "host": f.host,
            "status_code": f.status_code, "request_bytes": f.request_body_size, "response_bytes": f.response_body_size,
            "error": f.error, "tls": f.tls}


def decoded_request(flow) -> dict[str, Any]:
    """The request walked down to its leaves (the analysis' own decoders and limits)."""
    from analyzer.decode.limits import Budget, DecodeLimits
    from analyzer.decode.walk import walk_request

    budget = Budget(DecodeLimits())
    try:
        leaves = walk_request(flow, budget)
    except Exception as exc:  # noqa: BLE001 - a payload that defeats a decoder is shown, not fatal
        return {"leaves": [], "notes": [f"decode failed: {type(exc).__name__}"], "more": 0}
    shown = [
        {"location": leaf.location, "path": leaf.path, "encoding": list(leaf.encoding), "text": leaf.text[:LEAF_TEXT]}
        for leaf in leaves[:DECODED_LEAVES]
    ]
    return {"leaves": shown, "notes": list(budget.notes[:10]), "more": max(0, len(leaves) - DECODED_LEAVES)}


def flow_detail(store: Store, name: str, seq: int) -> dict[str, Any]:
    with store.session() as s:
        row = _session_row(s, name)
        f = s.scalar(select(m.Flow).where(m.Flow.session_id == row.id, m.Flow.seq == seq))
        if f is None:
            raise NotFound(f"session {name!r} has no flow {seq}")
        flow_id = str(f.id)
        summary = _flow_summary(f)
    record = store.get_flow(flow_id)
    body = record.request_body[:8192]
    return {
        **summary, "session": name,
        "request_headers": [[k, v] for k, v in record.request_headers],
        "response_headers": [[k, v] for k, v in record.response_headers],
        "request_body_preview": body.decode("utf-8", "replace"),
        "decoded": decoded_request(record),
    }


def session_calls(store: Store, name: str, *, after: int | None = None, limit: int | None = None,
                  types: tuple[str, ...] = ("api_call",)) -> dict[str, Any]:
    """Hooked calls (events) in arrival order (seq cursor)."""
    limit = _limit(limit)
    with store.session() as s:
        row = _session_row(s, name)
        q = select(m.Event).where(m.Event.session_id == row.id, m.Event.type.in_(types))
        if after is not None:
            q = q.where(m.Event.seq > after)
        events = list(s.scalars(q.order_by(m.Event.seq).limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    return {"session": name, "calls": [_call_out(e) for e in events], "next": events[-1].seq if more else None}


def _call_out(e: m.Event) -> dict[str, Any]:
    d = e.data or {}
    stack = d.get("stack") if isinstance(d.get("stack"), list) else []
    return {"seq": e.seq, "type": e.type, "ts": iso(e.ts), "api": d.get("api"), "kind": d.get("kind"),
            "ret": d.get("ret"), "count": d.get("count", 1), "stack": [str(x) for x in stack[:20]],
            "action": d.get("action")}


def session_live(store: Store, name: str, *, flow_after: int = 0, event_after: int = 0) -> dict[str, Any]:
    """What arrived since the client's cursors: flows, hooked calls and consent events, analysis state."""
    with store.session() as s:
        row = _session_row(s, name)
        flows = list(s.scalars(select(m.Flow).where(m.Flow.session_id == row.id, m.Flow.seq > flow_after)
                               .order_by(m.Flow.seq).limit(100)))
        events = list(s.scalars(select(m.Event).where(m.Event.session_id == row.id, m.Event.seq > event_after)
                                .order_by(m.Event.seq).limit(200)))
        run = s.scalar(select(m.AnalysisRun).where(m.AnalysisRun.session_id == row.id, m.AnalysisRun.is_current.is_(True)).limit(1))
        status = row.status
    shown = [e for e in events if e.type in ("api_call", "consent")]
    return {
        "session": name, "status": status, "recording": status == "recording",
        "flows": [_flow_summary(f) for f in flows],
        "calls": [_call_out(e) for e in shown],
        "flow_cursor": flows[-1].seq if flows else flow_after,
        "event_cursor": events[-1].seq if events else event_after,
        "analysis": None if run is None else {"run_id": str(run.id), "findings": sum((run.verdicts or {}).values()),
                                              "verdicts": run.verdicts or {}},
    }


# -- findings across the store ----------------------------------------------------------------------

FINDING_FILTERS = ("rule", "phase", "sdk", "pii_type", "host", "app", "confidence", "triage", "q")


def findings_page(store: Store, *, filters: dict[str, str | None] | None = None, after: str | None = None,
                  limit: int | None = None) -> dict[str, Any]:
    """Current findings across the store, newest first, filtered; ``q`` searches URLs and values."""
    limit = _limit(limit)
    f = clean_filters(filters)
    q = findings_query(store, f, after)
    with store.session() as s:
        rows = s.execute(q.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "filters": f,
        "findings": [
            {**_finding_out(r[2], r[7], r[3:7], session=r[8], app=r[9]), "version": r[10]} for r in rows
        ],
        "next": cur.encode(iso(rows[-1][1]), rows[-1][0]) if more else None,
    }


def clean_filters(filters: dict[str, str | None] | None) -> dict[str, str]:
    f = {k: (v.strip() if isinstance(v, str) else v) for k, v in (filters or {}).items() if k in FINDING_FILTERS and v}
    if f.get("triage") and f["triage"] not in (*STATES, "untriaged"):
        raise StoreError(f"unknown triage state {f['triage']!r}")
    return f


def findings_query(store: Store, f: dict[str, str], after: str | None = None):
    """The findings page's SELECT (newest first, no LIMIT): filters F, after the cursor AFTER."""
    last = cur.decode(after, dt.datetime, int)
    mark = aliased(TriageMark)
    with store.session() as s:
        rules = T.active_rules(s)
    state = T.state_expr(mark, rules, m.App.package)
    q = (
        select(_F.pk, _F.ts, _F.data, mark.state, mark.reason, mark.author, mark.updated_at, state,
               m.Session.name, m.App.package, m.App.version)
        .join(m.AnalysisRun, and_(m.AnalysisRun.id == _F.run_id, m.AnalysisRun.is_current.is_(True)))
        .join(m.Session, m.Session.id == _F.session_id)
        .outerjoin(m.App, m.App.id == m.Session.app_id)
        .outerjoin(mark, and_(mark.session_id == _F.session_id, mark.finding_key == TRIAGE_KEY_COLUMN))
    )
    for col, key in ((_F.rule, "rule"), (_F.phase, "phase"), (_F.sdk, "sdk"), (_F.pii_type, "pii_type"),
                     (_F.confidence, "confidence"), (m.App.package, "app")):
        if f.get(key):
            q = q.where(col == f[key])
    dialect = store.engine.dialect.name
    if f.get("host"):
        q = q.where(search.host_condition(dialect, f["host"].lower().rstrip("."), T.FINDING_HOST))
    if f.get("triage"):
        q = q.where(T.has_state(mark, rules, f["triage"], m.App.package))
    if f.get("q"):
        q = q.where(search.search_condition(dialect, f["q"]))
    if last:
        q = q.where(tuple_(_F.ts, _F.pk) < tuple_(last[0], last[1]))
    return q.order_by(_F.ts.desc(), _F.pk.desc())


def filter_choices(store: Store | None = None) -> dict[str, list[str]]:
    """Values offered in the findings filters: from the rulesets and the SDK table, not a scan."""
    return {k: list(v) for k, v in _static_choices().items()}


@functools.cache
def _static_choices() -> dict[str, tuple[str, ...]]:
    from analyzer.attribution import default_signatures
    from analyzer.models.events import PII_KINDS
    from analyzer.rules import available_rulesets, load_ruleset

    rules = sorted({rule for version in available_rulesets() for rule in load_ruleset(version).rule_ids})
    return {"rule": tuple(rules), "phase": ("pre_consent", "post_refusal", "post_consent", "post_withdrawal", "ambiguous"),
            "pii_type": tuple(sorted(PII_KINDS)), "sdk": tuple(sorted(default_signatures().sdks)),
            "confidence": ("high", "medium", "low"), "triage": (*STATES, "untriaged")}


# -- campaigns (tables made by `consentry campaign`, absent on stores that never ran one) --------------


def campaigns_page(store: Store, *, after: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """Campaigns newest first with job counts per state."""
    from analyzer.store.models_campaign import FINAL_JOB_STATES, Campaign, CampaignJob

    last = cur.decode(after, dt.datetime, str)
    limit = _limit(limit)
    with store.engine.connect() as conn:
        q = select(Campaign.id, Campaign.name, Campaign.status, Campaign.created_at)
        if last:
            q = q.where(tuple_(Campaign.created_at, Campaign.name) < tuple_(last[0], last[1]))
        rows = conn.execute(q.order_by(Campaign.created_at.desc(), Campaign.name.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        counts: dict[Any, Counter[str]] = defaultdict(Counter)
        if rows:
            for cid, state, n in conn.execute(
                select(CampaignJob.campaign_id, CampaignJob.state, func.count())
                .where(CampaignJob.campaign_id.in_([r[0] for r in rows]))
                .group_by(CampaignJob.campaign_id, CampaignJob.state)
            ):
                counts[cid][state] = n
    out = []
    for r in rows:
        by_state = dict(counts.get(r[0], {}))
        total = sum(by_state.values())
        done = sum(n for st, n in by_state.items() if st in FINAL_JOB_STATES)
        out.append({"id": str(r[0]), "name": r[1], "status": r[2], "created_at": iso(_aware(r[3])),
                    "jobs": total, "by_state": by_state, "progress": round(done / total, 3) if total else 0.0})
    return {"available": True, "campaigns": out,
            "next": cur.encode(iso(_aware(rows[-1][3])), rows[-1][1]) if more else None}


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


# -- the report's timeline over what a session page shows ------------------------------------------


@dataclass
class TimelineView:
    """What the report's ``timeline_svg`` macro reads: a report and an anchor prefix."""

    report: Any
    prefix: str = ""


def timeline_view(detail: dict[str, Any], findings: dict[str, Any], calls: dict[str, Any]) -> TimelineView:
    """A partial Report for the report's timeline: every consent mark, this page's findings and calls."""
    from pydantic import ValidationError

    from analyzer.models.report import ApiCallRef, ConsentMark, Finding, Report, SessionInfo

    def valid(model, items):
        out = []
        for item in items:
            try:
                out.append(model.model_validate(item))
            except ValidationError:
                continue  # a row the report model does not know is left off the picture, not fatal
        return out

    marks = [{"ts": c["ts"], "action": c["action"], "source": c["source"] or c["origin"]}
             for c in detail["consent_timeline"] if c["action"] in ("shown", "granted", "refused", "withdrawn")]
    api_calls = [{"api": c["api"], "ts": c["ts"], "kind": c["kind"], "count": c["count"] or 1}
                 for c in calls["calls"] if c["api"]]
    report = Report(
        generated_at=detail["ended_at"] or detail["started_at"] or "",
        session=SessionInfo(id=detail["id"], name=detail["name"], status=detail["status"],
                            started_at=detail["started_at"], ended_at=detail["ended_at"]),
        consent=valid(ConsentMark, marks), findings=valid(Finding, findings["findings"]),
        api_calls=valid(ApiCallRef, api_calls),
    )
    return TimelineView(report)
