"""What ``campaign status`` and ``campaign list`` show: per-job rows and the apps × plans summary.

Both are plain dicts first (the ``--json`` output); the terminal tables are drawn from them.
"""

from __future__ import annotations

import collections
from typing import Any

from rich.markup import escape
from rich.table import Table

from analyzer.campaign import state as st
from analyzer.store.models_campaign import FINAL_JOB_STATES, Campaign, CampaignJob

# Rules whose hits mean the app did not respect the user's choice (DESIGN "Phases and rules").
CONSENT_RULES = frozenset({
    "pre-consent-transmission", "post-refusal-transmission", "post-withdrawal-transmission",
    "pre-consent-api-call", "post-refusal-api-call", "post-withdrawal-api-call",
})


def verdict_of(findings_by_rule: dict[str, int]) -> str:
    """violation: a consent rule fired; findings: only other rules; clean: nothing found."""
    fired = {rule for rule, n in findings_by_rule.items() if n}
    if fired & CONSENT_RULES:
        return "violation"
    return "findings" if fired else "clean"


def campaign_info(campaign: Campaign, counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    done = sum(counts.get(s, 0) for s in FINAL_JOB_STATES)
    return {
        "name": campaign.name, "status": _campaign_status(campaign, counts), "plans": list(campaign.plans),
        "duration_s": campaign.duration_s, "device_model": campaign.device_model or "any",
        "max_attempts": campaign.max_attempts, "same_app_parallel": campaign.same_app_parallel,
        "created_at": campaign.created_at.isoformat(), "jobs": total, "done": done,
        "counts": {k: v for k, v in counts.items() if v},
    }


def _campaign_status(campaign: Campaign, counts: dict[str, int]) -> str:
    if campaign.status == "cancelled":
        return "cancelled"
    total = sum(counts.values())
    if total and counts.get("finished", 0) == total:
        return "finished"
    if total and sum(counts.get(s, 0) for s in FINAL_JOB_STATES) == total:
        return "done with failures"
    if counts.get("running", 0) or counts.get("analysing", 0) or counts.get("queued", 0):
        return "running"
    return "pending" if counts.get("pending", 0) == total else "partly done"


def status_data(store, campaign: Campaign) -> dict[str, Any]:
    jobs = st.jobs_of(store, campaign)
    links = st.job_sessions(store, [j.id for j in jobs])
    counts = st.state_counts(store, campaign)
    return {"campaign": campaign_info(campaign, counts), "jobs": [job_row(j, links.get(j.id, [])) for j in jobs]}


def job_row(job: CampaignJob, links) -> dict[str, Any]:
    result = job.result or {}
    return {
        "ordinal": job.ordinal, "id": str(job.id), "app": job.app, "version": job.app_version or None,
        "apk": job.apk_path, "plan": job.plan, "state": job.state, "attempts": job.attempts, "station": job.station,
        "session": result.get("session"), "package": result.get("package"),
        "sessions": [{"name": link.session_name, "attempt": link.attempt, "station": link.station,
                      "status": status or "not created"} for link, status in links],
        "verdict": result.get("verdict"), "findings_by_rule": result.get("findings_by_rule", {}),
        "sdks": result.get("sdks", []), "report": result.get("report"), "error": job.error,
        "queued_at": _iso(job.queued_at), "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
    }


def summary_data(store, campaign: Campaign) -> dict[str, Any]:
    """Apps × plans with their verdicts, the SDKs seen per app, and the report paths."""
    data = status_data(store, campaign)
    apps: dict[tuple[str, str], dict[str, Any]] = {}
    for job in data["jobs"]:
        entry = apps.setdefault((job["app"], job["version"] or ""), {
            "app": job["app"], "version": job["version"], "package": None, "plans": {}, "sdks": set(), "reports": {},
        })
        entry["package"] = entry["package"] or job["package"]
        entry["plans"][job["plan"]] = job["verdict"] or job["state"]
        entry["sdks"].update(job["sdks"])
        if job["report"]:
            entry["reports"][job["plan"]] = job["report"]
    rows = [{**e, "sdks": sorted(e["sdks"])} for e in apps.values()]
    verdicts = collections.Counter(v for e in rows for v in e["plans"].values())
    return {"campaign": data["campaign"], "plans": list(campaign.plans), "apps": rows, "verdicts": dict(verdicts)}


# -- terminal tables -----------------------------------------------------------------------------
STATE_STYLE = {"finished": "green", "failed": "red", "cancelled": "dim", "running": "cyan", "analysing": "cyan",
               "queued": "yellow", "pending": "", "violation": "red", "findings": "yellow", "clean": "green"}


def _styled(text: str | None) -> str:
    text = text or "-"
    style = STATE_STYLE.get(text, "")
    return f"[{style}]{escape(text)}[/{style}]" if style else escape(text)


def status_table(data: dict[str, Any]) -> Table:
    info = data["campaign"]
    counts = ", ".join(f"{k} {v}" for k, v in info["counts"].items()) or "no jobs"
    table = Table(title=f"campaign {escape(info['name'])}: {info['status']}, {info['done']}/{info['jobs']} done ({counts})")
    for col in ("#", "app", "plan", "state", "tries", "station", "session", "verdict", "note"):
        table.add_column(col, overflow="fold")
    for job in data["jobs"]:
        others = [s for s in job["sessions"] if s["name"] != job["session"]]
        note = job["error"] or ""
        if others:
            note = (note + "; " if note else "") + ", ".join(f"{s['name']} {s['status']}" for s in others)
        table.add_row(str(job["ordinal"]), escape(_app_label(job)), escape(job["plan"]), _styled(job["state"]),
                      str(job["attempts"]), escape(job["station"] or "-"), escape(job["session"] or "-"),
                      _styled(job["verdict"]), escape(note))
    return table


def summary_table(data: dict[str, Any]) -> Table:
    info = data["campaign"]
    table = Table(title=f"campaign {escape(info['name'])}: apps × plans ({info['done']}/{info['jobs']} done)")
    table.add_column("app", overflow="fold")
    for plan in data["plans"]:
        table.add_column(plan)
    table.add_column("SDKs seen", overflow="fold")
    for row in data["apps"]:
        label = row["app"] + (f" {row['version']}" if row["version"] else "")
        table.add_row(escape(label), *[_styled(row["plans"].get(p)) for p in data["plans"]],
                      escape(", ".join(row["sdks"]) or "-"))
    return table


def list_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="campaigns")
    for col in ("name", "status", "plans", "jobs", "done", "states", "created"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(escape(r["name"]), escape(r["status"]), escape(",".join(r["plans"])), str(r["jobs"]), str(r["done"]),
                      escape(", ".join(f"{k} {v}" for k, v in r["counts"].items()) or "-"), r["created_at"][:19])
    return table


def _app_label(job: dict[str, Any]) -> str:
    return job["app"] + (f" {job['version']}" if job["version"] else "")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
