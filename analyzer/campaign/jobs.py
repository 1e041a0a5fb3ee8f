"""The job code: one attempt of one app × plan on one device, and its analysis.

Celery stations, Celery analysis workers and the embedded runner all call these two
functions; they only differ in how a ``Step`` is carried out (re-publish, re-queue, ...).

Idempotent by construction: a job delivered twice, or again after its station died, is
claimed in the store first (``state.claim``); a finished or cancelled job is a no-op, a
job another live station holds waits, and a dead station's session is marked
``interrupted`` before the job runs again.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from analyzer.campaign import state as st
from analyzer.devices.base import DeviceBackend, DeviceError, PermissionPolicy
from analyzer.runner.consent import parse_consent_plan

log = logging.getLogger(__name__)

# Plans whose evidence is void if the app remembers an earlier choice (docs/campaigns.md).
CLEAN_DATA_PLANS = ("refuse", "none")
LEASE_WAIT_S = 3.0
USB_DEFAULT_DURATION_S = 60.0


@dataclass
class Station:
    """One device and the name the store knows it by."""

    name: str
    device: str  # lab | usb:SERIAL
    lease_ttl_s: float = 60.0
    backend_factory: Callable[[], DeviceBackend] | None = None

    def open_backend(self) -> DeviceBackend:
        if self.backend_factory is not None:
            return self.backend_factory()
        from analyzer.devices import open_backend

        return open_backend(self.device)


@dataclass
class Step:
    """What the caller does next with a job after ``run_job``."""

    action: str  # analyse | retry | wait | done
    detail: str = ""
    session: str | None = None
    delay_s: float = 0.0
    interrupted: list[str] = field(default_factory=list)


def run_job(store, job_id, station: Station) -> Step:
    """Claim the job and, if it is ours to run, record one session of it on the station's device."""
    token = secrets.token_hex(16)
    claim = st.claim(store, job_id, station.name, token, station.lease_ttl_s)
    if claim.outcome in ("final", "cancelled"):
        return Step("done", claim.outcome)
    if claim.outcome == "analyse":
        return Step("analyse", "recorded earlier", session=_session_of(store, claim.job))
    if claim.outcome in ("busy", "app_busy"):
        what = "the app is on" if claim.outcome == "app_busy" else "the job is held by"
        return Step("wait", f"{what} {claim.holder or 'another station'}", delay_s=LEASE_WAIT_S)
    job, campaign = claim.job, claim.campaign
    session_name = st.session_name_for(campaign, job, claim.attempt)
    beat = Heartbeat(store, job.id, token, station.lease_ttl_s)
    try:
        outcome = _attempt(store, campaign, job, station, session_name, claim.attempt, beat)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the job's state must say so
        outcome = ("failed", f"{type(exc).__name__}: {_first_line(exc)}")
        log.exception("job %s attempt %s", job.id, claim.attempt)
    finally:
        beat.stop()
    kind, detail = outcome
    if kind == "recorded":
        if st.recorded(store, job.id, token, session_name):
            return Step("analyse", detail, session=session_name, interrupted=claim.interrupted)
        kind, detail = "lost", "another station took the job over while this session recorded"
    if kind == "lost":
        # The job runs (or ran) elsewhere: this session must not count as its finished one.
        disown_session(store, session_name, detail)
        return Step("done", detail, interrupted=claim.interrupted)
    if kind == "cancelled":
        st.attempt_cancelled(store, job.id, token)
        return Step("done", "cancelled", interrupted=claim.interrupted)
    new_state = st.attempt_failed(store, job.id, token, detail)
    if new_state == "queued":
        return Step("retry", detail, delay_s=1.0, interrupted=claim.interrupted)
    return Step("done", detail, interrupted=claim.interrupted)


def _attempt(store, campaign, job, station: Station, session_name: str, attempt: int, beat: "Heartbeat") -> tuple[str, str]:
    """(recorded | failed | cancelled | lost, detail) of one attempt."""
    from analyzer.runner.progress import Progress
    from analyzer.runner.session import RunConfig, RunError, SessionRunner

    plan = parse_consent_plan(job.plan)
    try:
        backend = station.open_backend()
    except DeviceError as exc:
        return "failed", f"device {station.device}: {exc}"
    try:
        app, notes = prepare_app(backend, job, plan.choice)
    except BaseException as exc:
        backend.close()
        if isinstance(exc, DeviceError):
            return "failed", str(exc)
        raise
    options = campaign.options or {}
    duration = campaign.duration_s
    if duration is None and station.device.startswith("usb"):
        duration = USB_DEFAULT_DURATION_S  # a phone app never ends by itself (as `consentry run`)
    config = RunConfig(device=station.device, app=app, consent=plan, duration_s=duration,
                       session_name=session_name, analyze=False,
                       dialog_timeout_ms=int(options.get("dialog_timeout_ms", 8000)))
    st.link_session(store, job.id, attempt, station.name, session_name)
    runner = SessionRunner(store, config, backend, progress=Progress(quiet=True))
    beat.start(runner)
    try:
        result = runner.run()
    except RunError as exc:
        return "failed", f"the session did not start: {exc}"
    if notes:
        _note_session(store, session_name, notes)
    if beat.verdict == "cancelled":
        return "cancelled", "campaign cancelled"
    if beat.verdict == "lost":
        return "lost", "another station took the job over (this station missed its heartbeats)"
    if result.status != "finished":
        return "failed", f"session {session_name} ended {result.status}: {result.status_detail}"
    return "recorded", session_name


def prepare_app(backend: DeviceBackend, job, choice: str) -> tuple[str, list[str]]:
    """Install the APK if the job has one, stop the app and clear its data.

    A refuse or none plan must not run on data an earlier plan left (the app could
    remember a consent given before): a failed clear fails the attempt. The other
    plans go on, with the failure noted on the session.
    """
    notes: list[str] = []
    if job.apk_path:
        target = backend.install(Path(job.apk_path), PermissionPolicy())
    else:
        target = backend.resolve_app(job.app)
    if job.app_version and target.version and target.version != job.app_version:
        notes.append(f"the device has version {target.version}, the campaign asked for {job.app_version}")
    try:
        backend.force_stop(target.package)
    except DeviceError as exc:
        notes.append(f"force-stop failed: {exc}")
    try:
        backend.clear_app_data(target.package)
    except DeviceError as exc:
        if choice in CLEAN_DATA_PLANS:
            raise DeviceError(f"app data of {target.package} could not be cleared ({exc}); "
                              f"a {choice} plan does not run on data an earlier plan left") from None
        notes.append(f"app data not cleared: {exc}")
    return (job.app if not job.apk_path else target.package), notes


def disown_session(store, name: str, why: str) -> None:
    if store.find_session(name) is not None:
        store.update_session(name, status="interrupted", status_detail=why)


def _note_session(store, name: str, notes: list[str]) -> None:
    row = store.get_session(name)
    meta = dict(row.meta or {})
    meta.setdefault("campaign", {})["notes"] = notes
    store.update_session(name, meta=meta)


def _session_of(store, job) -> str | None:
    """The name of the job's finished session, if it has one."""
    from analyzer.store import models as m

    if job is None or job.session_id is None:
        return None
    with store.session() as s:
        row = s.get(m.Session, job.session_id)
        return row.name if row is not None else None


class Heartbeat:
    """Renews the job's claim while its session records; stops the session on cancel or a lost claim."""

    def __init__(self, store, job_id, token: str, ttl_s: float) -> None:
        self.store, self.job_id, self.token, self.ttl_s = store, job_id, token, ttl_s
        self.verdict = "ok"
        self._stop = threading.Event()
        self._runner: Any = None
        self._thread: threading.Thread | None = None

    def start(self, runner: Any) -> None:
        self._runner = runner
        self._thread = threading.Thread(target=self._loop, name="consentry-job-heartbeat", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(max(1.0, self.ttl_s / 4)):
            try:
                verdict = st.heartbeat(self.store, self.job_id, self.token, self.ttl_s)
            except Exception as exc:  # noqa: BLE001 - a store hiccup: try again next beat
                log.warning("heartbeat of job %s failed: %s", self.job_id, exc)
                continue
            if verdict != "ok":
                self.verdict = verdict
                self._runner.request_stop(f"campaign job {verdict}")
                return

    def stop(self) -> None:
        self._stop.set()


def analyse_job(store, job_id, *, reports_dir: Path | None = None) -> Step:
    """Analyse the job's finished session, write its HTML report, store the verdict."""
    from analyzer.campaign.views import verdict_of

    job = st.get_job(store, job_id)
    if job is None or job.state != "analysing":
        return Step("done", job.state if job else "gone")
    session_name = _session_of(store, job)
    if session_name is None:
        st.analysis_failed(store, job.id, "the recorded session is gone")
        return Step("done", "session gone")
    campaign = st.campaign_of_job(store, job)
    try:
        from analyzer.analysis import analyze_session

        analysis = analyze_session(store, session_name)
        findings = list(getattr(analysis, "findings", []) or [])
        report = write_report(store, session_name, reports_dir or reports_dir_of(campaign))
    except Exception as exc:  # noqa: BLE001 - the recording stays; retry re-records, `analyze` re-analyses
        st.analysis_failed(store, job.id, f"analysis failed: {type(exc).__name__}: {_first_line(exc)}")
        return Step("done", "analysis failed")
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    session = store.get_session(session_name)
    result = {
        "session": session_name, "package": session.app.package if session.app else None,
        "app_version": session.app.version if session.app else None,
        "verdict": verdict_of(by_rule), "findings": len(findings), "findings_by_rule": by_rule,
        "sdks": sorted({s for f in findings for s in (f.get("sdk"), (f.get("destination") or {}).get("sdk")) if s}),
        "report": str(report) if report else None,
    }
    st.complete(store, job.id, result)
    return Step("done", result["verdict"], session=session_name)


def reports_dir_of(campaign) -> Path:
    configured = (campaign.options or {}).get("reports_dir")
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("consentry")) / "campaigns" / campaign.name


def write_report(store, session_name: str, directory: Path) -> Path:
    from analyzer.fileio import atomic_output
    from analyzer.report.build import build_report
    from analyzer.report.html import render_html

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{session_name}.html"
    html = render_html(build_report(store, session_name))
    with atomic_output(path) as fh:
        fh.write(html)
    return path


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
