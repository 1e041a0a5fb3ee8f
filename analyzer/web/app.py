"""The dashboard's ASGI application: HTML pages and the JSON API over one Store.

Pages and ``/api/`` read the same query functions (queries.py). Captured traffic is
attacker data: templates autoescape everything, every response carries a strict
Content-Security-Policy whose only script is the nonce'd /static/dashboard.js, and
changes go through JSON requests only (a cross-site form cannot send them).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

import analyzer
from analyzer.store import Store, StoreError
from analyzer.store.unit import one_transaction
from analyzer.web import queries as Q
from analyzer.web import schemas as S
from analyzer.web.auth import check_basic
from analyzer.web.cursor import BadCursor

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
REPORT_TYPES = {"html": "text/html; charset=utf-8", "json": "application/json", "md": "text/markdown; charset=utf-8"}


class MarkIn(BaseModel):
    state: Literal["confirmed", "false_positive", "accepted_risk"]
    reason: str = Field(min_length=1, max_length=2000)
    by: str | None = Field(None, description="Reviewer name; ignored when the server requires credentials")


class SuppressionIn(BaseModel):
    state: Literal["confirmed", "false_positive", "accepted_risk"] = "false_positive"
    reason: str = Field(min_length=1, max_length=2000)
    app: str | None = None
    host: str | None = None
    rule: str | None = None
    pii_type: str | None = None
    sdk: str | None = None
    by: str | None = None


@lru_cache(maxsize=1)
def templates() -> Environment:
    from analyzer.report.html import TEMPLATES as REPORT_TEMPLATES
    from analyzer.report.views import consent_screens

    # The report's templates come second: the session page draws the report's timeline macro.
    loader = ChoiceLoader([FileSystemLoader(HERE / "templates"), FileSystemLoader(REPORT_TEMPLATES)])
    env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["short"] = lambda v, n=12: (str(v)[:n] if v else "")
    env.filters["excerpt_parts"] = excerpt_parts
    env.globals["consent_screens"] = consent_screens  # the timeline macro links marks to their screens
    return env


def excerpt_parts(evidence: dict[str, Any]) -> tuple[str, str, str]:
    """(head, match, tail) of a finding's excerpt, cut as the report cuts it."""
    from types import SimpleNamespace

    from analyzer.report.views import split_excerpt

    ev = SimpleNamespace(excerpt=evidence.get("excerpt"), excerpt_span=evidence.get("excerpt_span"))
    return split_excerpt(SimpleNamespace(evidence=ev))


def create_app(store: Store, *, users: dict[str, str] | None = None, reviewer: str = "reviewer") -> FastAPI:
    """The dashboard over STORE; with USERS every request needs HTTP Basic credentials."""
    app = FastAPI(
        title="consentry dashboard API", version=analyzer.__version__,
        description="Apps, versions, sessions, findings, triage and campaigns of a consentry store "
                    "(docs/dashboard.md). Lists are keyset-paginated: pass the `next` value back as `after`.",
        docs_url=None, redoc_url=None,  # no CDN-hosted UI: the schema is the documentation
         openapi_url="/api/openapi.json",
    )
    app.state.store = store
    verified: dict[str, str] = {}

    @app.middleware("http")
    async def guard(request: Request, call_next):
        started = time.perf_counter()
        request.state.nonce = secrets.token_urlsafe(16)
        request.state.user = None
        if users:
            header = request.headers.get("authorization")
            digest = hashlib.sha256(header.encode()).hexdigest() if header else ""
            user = verified.get(digest) or check_basic(header, users)
            if user is None:
                return PlainTextResponse("credentials required", status_code=401,
                                         headers={"WWW-Authenticate": 'Basic realm="consentry", charset="UTF-8"'})
            verified[digest] = user  # PBKDF2 once per credential, not per request
            request.state.user = user
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            problem = _cross_site(request)
            if problem:
                return JSONResponse({"detail": problem}, status_code=403)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP.format(nonce=request.state.nonce)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        # The time the server spent on the request (queries and rendering), apart from the
        # network and the client: what benchmarks/dashboard.py reports, and browsers show.
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    def who(request: Request, given: str | None) -> str:
        return request.state.user or (given or "").strip() or reviewer

    @app.exception_handler(Q.NotFound)
    async def not_found(request: Request, exc: Q.NotFound):
        return _error(request, 404, str(exc))

    @app.exception_handler(BadCursor)
    async def bad_cursor(request: Request, exc: BadCursor):
        return _error(request, 400, str(exc))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError):
        from analyzer.store import SessionNotFound

        return _error(request, 404 if isinstance(exc, SessionNotFound) else 400, str(exc))


    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        html = templates().get_template(name).render(nonce=request.state.nonce, user=request.state.user,
                                                     version=analyzer.__version__, **context)
        return HTMLResponse(html)

    # -- JSON API ------------------------------------------------------------------------------
    @app.get("/api/apps", tags=["apps"], response_model=None, responses={200: {"model": S.AppsPage}})
    def api_apps(after: str | None = None, limit: int = Query(50, ge=1, le=500), q: str | None = None):
        """Apps by package: versions, latest verdict per consent plan, SDKs, findings per version."""
        return Q.apps_page(store, after=after, limit=limit, q=q)

    @app.get("/api/apps/{package}", tags=["apps"], response_model=None, responses={200: {"model": S.AppDetail}})
    def api_app(package: str, after: str | None = None, limit: int = Query(50, ge=1, le=500)):
        """One app: versions and sessions (newest first)."""
        return Q.app_detail(store, package, after=after, limit=limit)

    @app.get("/api/apps/{package}/diff", tags=["apps"])
    def api_app_diff(package: str, v_from: str = Query(..., alias="from"), v_to: str = Query(..., alias="to"),
                     consent: str | None = None):
        """consentry.diff/1 between the latest sessions of two versions (triage applied)."""
        return Q.app_diff(store, package, v_from, v_to, consent)

    @app.get("/api/sessions/{name}", tags=["sessions"], response_model=None, responses={200: {"model": S.SessionDetail}})
    def api_session(name: str):
        """A session: facts, consent timeline, current analysis with triage counts, screenshots."""
        return Q.session_detail(store, name)

    @app.get("/api/sessions/{name}/findings", tags=["sessions"], response_model=None, responses={200: {"model": S.SessionFindings}})
    def api_session_findings(name: str, after: str | None = None, limit: int = Query(100, ge=1, le=500)):
        """Findings of the current analysis in time order, grouped by request."""
        return Q.session_findings(store, name, after=after, limit=limit)

    @app.get("/api/sessions/{name}/flows", tags=["sessions"], response_model=None, responses={200: {"model": S.FlowsPage}})
    def api_session_flows(name: str, after: int | None = None, limit: int = Query(25, ge=1, le=200),
                          decoded: bool = True):
        """Flows in capture order with their requests decoded (``after``: the last seq seen)."""
        return Q.session_flows(store, name, after=after, limit=limit, decoded=decoded)

    @app.get("/api/sessions/{name}/flows/{seq}", tags=["sessions"])
    def api_flow(name: str, seq: int):
        """One flow: headers, body preview, decoded leaves."""
        return Q.flow_detail(store, name, seq)

    @app.get("/api/sessions/{name}/calls", tags=["sessions"], response_model=None, responses={200: {"model": S.CallsPage}})
    def api_session_calls(name: str, after: int | None = None, limit: int = Query(50, ge=1, le=500)):
        """Hooked calls in arrival order (``after``: the last seq seen)."""
        return Q.session_calls(store, name, after=after, limit=limit)

    @app.get("/api/sessions/{name}/live", tags=["sessions"], response_model=None, responses={200: {"model": S.Live}})
    def api_session_live(name: str, flow_after: int = 0, event_after: int = 0):
        """What arrived after the cursors: flows, hooked calls, consent events; analysis state."""
        return Q.session_live(store, name, flow_after=flow_after, event_after=event_after)

    @app.get("/api/findings", tags=["findings"], response_model=None, responses={200: {"model": S.FindingsPage}})
    def api_findings(
        rule: str | None = None, phase: str | None = None, sdk: str | None = None, pii_type: str | None = None,
        host: str | None = None, app_package: str | None = Query(None, alias="app"), confidence: str | None = None,
        triage: str | None = None, q: str | None = None, after: str | None = None, limit: int = Query(50, ge=1, le=500),
    ):
        """Current findings across the store, newest first; ``q`` searches URLs and values."""
        filters = {"rule": rule, "phase": phase, "sdk": sdk, "pii_type": pii_type, "host": host, "app": app_package,
                   "confidence": confidence, "triage": triage, "q": q}
        with one_transaction(store):
            return Q.findings_page(store, filters=filters, after=after, limit=limit)

    @app.get("/api/findings/filters", tags=["findings"])
    def api_filter_choices():
        """Values offered by the findings filters."""
        return Q.filter_choices(store)

    @app.put("/api/sessions/{name}/findings/{key}/triage", tags=["triage"], response_model=None, responses={200: {"model": S.Mark}})
    def api_set_mark(name: str, key: str, request: Request, mark: MarkIn = Body(...)):
        """Mark a finding confirmed / false_positive / accepted_risk (audited; survives re-analysis)."""
        from analyzer.triage import set_mark

        return set_mark(store, name, key, mark.state, reason=mark.reason, author=who(request, mark.by))

    @app.delete("/api/sessions/{name}/findings/{key}/triage", tags=["triage"])
    def api_clear_mark(name: str, key: str, request: Request, by: str | None = None):
        """Remove a finding's mark (audited)."""
        from analyzer.triage import clear_mark

        if not clear_mark(store, name, key, author=who(request, by)):
            raise Q.NotFound(f"finding {key!r} of {name!r} has no triage mark")
        return {"removed": True}

    @app.get("/api/triage/marks", tags=["triage"])
    def api_marks(session: str | None = None, state: str | None = None, after: int | None = None,
                  limit: int = Query(100, ge=1, le=1000)):
        """Triage marks, oldest first (``after``: the last mark id seen)."""
        from analyzer.triage import list_marks

        return list_marks(store, session_name=session, state=state, limit=limit, after_id=after)

    @app.get("/api/triage/log", tags=["triage"], response_model=None, responses={200: {"model": list[S.AuditEntry]}})
    def api_audit(session: str | None = None, before: int | None = None, limit: int = Query(100, ge=1, le=1000)):
        """Audit log, newest first: who changed which mark or rule, when, from what to what."""
        from analyzer.triage import audit_log

        return audit_log(store, session_name=session, limit=limit, before_id=before)

    @app.get("/api/suppressions", tags=["triage"], response_model=None, responses={200: {"model": list[S.Suppression]}})
    def api_suppressions(include_inactive: bool = False):
        """Store-wide suppression rules with who made them."""
        from analyzer.triage import list_suppressions

        return list_suppressions(store, include_inactive=include_inactive)

    @app.post("/api/suppressions", tags=["triage"], status_code=201, response_model=None, responses={201: {"model": S.Suppression}})
    def api_add_suppression(request: Request, rule: SuppressionIn = Body(...)):
        """Add a suppression rule (needs at least one of host, rule, pii_type, sdk)."""
        from analyzer.triage import add_suppression

        return add_suppression(store, state=rule.state, reason=rule.reason, author=who(request, rule.by), app=rule.app,
                               host=rule.host, rule=rule.rule, pii_type=rule.pii_type, sdk=rule.sdk)

    @app.delete("/api/suppressions/{rule_id}", tags=["triage"])
    def api_remove_suppression(rule_id: int, request: Request, by: str | None = None):
        """Deactivate a suppression rule (kept and audited)."""
        from analyzer.triage import remove_suppression

        return remove_suppression(store, rule_id, author=who(request, by))

    @app.get("/api/campaigns", tags=["campaigns"], response_model=None, responses={200: {"model": S.CampaignsPage}})
    def api_campaigns(after: str | None = None, limit: int = Query(50, ge=1, le=500)):
        """Campaigns with job counts per state (``available`` false on a store without campaigns)."""
        return Q.campaigns_page(store, after=after, limit=limit)

    # -- pages ----------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def apps_html(request: Request, after: str | None = None, q: str | None = None):
        return page(request, "apps.html.j2", data=Q.apps_page(store, after=after, q=q), q=q or "")

    @app.get("/apps/{package}", response_class=HTMLResponse, include_in_schema=False)
    def app_html(request: Request, package: str, after: str | None = None):
        return page(request, "app.html.j2", data=Q.app_detail(store, package, after=after), diff=None, sel={})

    @app.get("/apps/{package}/diff", response_class=HTMLResponse, include_in_schema=False)
    def app_diff_html(request: Request, package: str, v_from: str = Query(..., alias="from"),
                      v_to: str = Query(..., alias="to"), consent: str | None = None):
        data = Q.app_detail(store, package)
        diff = Q.app_diff(store, package, v_from, v_to, consent)
        return page(request, "app.html.j2", data=data, diff=diff, sel={"from": v_from, "to": v_to, "consent": consent or ""})

    @app.get("/sessions/{name}", response_class=HTMLResponse, include_in_schema=False)
    def session_html(request: Request, name: str, findings_after: str | None = None, flows_after: int | None = None,
                     calls_after: int | None = None):
        from analyzer.report.html import show
        from analyzer.report.labels import Labels
        from analyzer.report.timeline import build_timeline

        with one_transaction(store):  # one connection and one snapshot for the page's queries
            detail = Q.session_detail(store, name)
            findings = Q.session_findings(store, name, after=findings_after)
            calls = Q.session_calls(store, name, after=calls_after)
            flows = Q.session_flows(store, name, after=flows_after)
        return page(
            request, "session.html.j2", s=detail, findings=findings, calls=calls, flows=flows,
            view=Q.timeline_view(detail, findings, calls), L=Labels("en"), timeline=build_timeline, show=show,
        )

    @app.get("/static/report.css", include_in_schema=False)
    def report_css():
        from analyzer.report.html import TEMPLATES as REPORT_TEMPLATES

        return Response((REPORT_TEMPLATES / "report.css").read_text(encoding="utf-8"), media_type="text/css",
                        headers={"Cache-Control": "max-age=3600"})

    @app.get("/sessions/{name}/flows/{seq}", response_class=HTMLResponse, include_in_schema=False)
    def flow_html(request: Request, name: str, seq: int):
        return page(request, "flow.html.j2", flow=Q.flow_detail(store, name, seq))

    @app.get("/sessions/{name}/report.{fmt}", include_in_schema=False)
    def report_download(name: str, fmt: str):
        """The session's report, rendered from the store a page at a time into a spool and
        sent from there: the server's memory does not grow with the session."""
        from analyzer.report import spool_report
        from analyzer.report.build import stream_report

        if fmt not in REPORT_TYPES:
            raise Q.NotFound(f"no report format {fmt!r}")
        store.get_session(name)
        spool = spool_report(stream_report(store, name), fmt)
        filename = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) + f".{fmt}"
        return StreamingResponse(_chunks(spool), media_type=REPORT_TYPES[fmt],
                                 headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.get("/sessions/{name}/screenshots/{sha}.png", include_in_schema=False)
    def screenshot_png(name: str, sha: str):
        return Response(Q.screenshot(store, name, sha), media_type="image/png")

    @app.get("/findings", response_class=HTMLResponse, include_in_schema=False)
    def findings_html(request: Request, after: str | None = None):
        filters = {k: request.query_params.get(k) for k in Q.FINDING_FILTERS}
        with one_transaction(store):
            data = Q.findings_page(store, filters=filters, after=after)
        return page(request, "findings.html.j2", data=data, choices=Q.filter_choices(store),
                    filters={k: v or "" for k, v in filters.items()})

    @app.get("/campaigns", response_class=HTMLResponse, include_in_schema=False)
    def campaigns_html(request: Request, after: str | None = None):
        return page(request, "campaigns.html.j2", data=Q.campaigns_page(store, after=after))

    @app.get("/triage", response_class=HTMLResponse, include_in_schema=False)
    def triage_html(request: Request):
        from analyzer.triage import audit_log, list_suppressions

        return page(request, "triage.html.j2", rules=list_suppressions(store), log=audit_log(store, limit=100))

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        # No store access: a liveness probe, and the benchmark's same-run baseline.
        return {"ok": True}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return RedirectResponse("/static/favicon.svg")

    return app


def _chunks(spool, size: int = 64 * 1024):
    """A spooled file's bytes a piece at a time; the file is closed once sent (or abandoned)."""
    with spool:
        while chunk := spool.read(size):
            yield chunk


def _cross_site(request: Request) -> str | None:
    """Changes come as JSON from our own pages; a cross-site form or image cannot send them."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        return "cross-origin request refused"
    if request.method in ("POST", "PUT") and not request.headers.get("content-type", "").startswith("application/json"):
        return "send JSON (Content-Type: application/json)"
    return None


def _error(request: Request, status: int, message: str):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    html = templates().get_template("error.html.j2").render(
        nonce=getattr(request.state, "nonce", ""), user=getattr(request.state, "user", None),
        version=analyzer.__version__, status=status, message=message)
    return HTMLResponse(html, status_code=status)
