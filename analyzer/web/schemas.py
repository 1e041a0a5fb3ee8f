"""Shapes of the JSON API's answers, for its OpenAPI schema (tests check answers against them).

Open models: fields may be added; the ones listed keep their meaning.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Plan(_Open):
    consent: str = Field(description="consent plan (accept, refuse, none, withdraw, ...)")
    session: str = Field(description="newest session of this plan in the latest version")
    status: str
    run_id: str | None
    analysed: bool
    findings: int
    violations: list[str] = Field(description="rules with at least one finding")


class TrendPoint(_Open):
    version: str
    findings: int = Field(description="findings of the newest session of each plan, summed")
    sessions: int
    analysed: bool


class AppSummary(_Open):
    package: str
    versions: list[str] = Field(description="oldest first (by first session)")
    latest_version: str | None
    sessions: int
    plans: list[Plan]
    trend: list[TrendPoint]
    sdks: list[str]


class AppsPage(_Open):
    apps: list[AppSummary]
    next: str | None = Field(description="pass as `after` for the next page; null on the last")


class SessionRow(_Open):
    name: str
    version: str
    consent: str | None
    status: str
    started_at: str | None
    analysed: bool
    findings: int | None
    violations: list[str]


class AppDetail(_Open):
    package: str
    versions: list[dict[str, Any]]
    sessions: list[SessionRow]
    next: str | None


class Triage(_Open):
    state: str = Field(description="confirmed | false_positive | accepted_risk | untriaged")
    reason: str | None = None
    by: str | None = None
    at: str | None = None
    source: str | None = Field(None, description="mark | suppression")


class FindingOut(_Open):
    id: str
    session: str
    rule: str
    phase: str
    pii_type: str | None
    sdk: str | None
    confidence: str
    ts: str
    flow: dict[str, Any] | None
    destination: dict[str, Any] | None
    location: str | None
    encoding: list[str]
    evidence: dict[str, Any]
    triage: Triage


class FindingsPage(_Open):
    filters: dict[str, str]
    findings: list[FindingOut]
    next: str | None


class FindingGroup(_Open):
    key: str = Field(description="flow id, or api:NAME for findings on hooked calls")
    flow: dict[str, Any] | None
    findings: list[FindingOut]


class SessionFindings(_Open):
    session: str
    findings: list[FindingOut]
    groups: list[FindingGroup]
    next: str | None


class FlowSummary(_Open):
    id: str
    seq: int
    ts: str | None
    method: str
    url: str
    host: str
    status_code: int | None
    error: str | None


class FlowsPage(_Open):
    session: str
    flows: list[FlowSummary]
    next: int | None


class Call(_Open):
    seq: int
    type: str
    ts: str | None
    api: str | None
    kind: str | None
    ret: Any = None
    count: Any = 1
    stack: list[str]


class CallsPage(_Open):
    session: str
    calls: list[Call]
    next: int | None


class Live(_Open):
    session: str
    status: str
    recording: bool
    flows: list[FlowSummary]
    calls: list[Call]
    flow_cursor: int
    event_cursor: int
    analysis: dict[str, Any] | None


class SessionDetail(_Open):
    name: str
    id: str
    status: str
    recording: bool
    app: dict[str, Any] | None
    consent_choice: str | None
    counts: dict[str, Any]
    consent_timeline: list[dict[str, Any]]
    screenshots: list[dict[str, Any]]
    flow_cursor: int
    event_cursor: int
    analysis: dict[str, Any] | None


class Mark(_Open):
    session: str
    finding: str
    state: str
    reason: str
    by: str
    at: str


class Suppression(_Open):
    id: int
    app: str | None
    host: str | None
    rule: str | None
    pii_type: str | None
    sdk: str | None
    state: str
    reason: str
    by: str
    created_at: str
    active: bool


class AuditEntry(_Open):
    id: int
    at: str
    by: str
    action: str = Field(description="mark | unmark | suppress | unsuppress")
    session: str | None
    finding: str | None
    suppression_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class CampaignOut(_Open):
    id: str
    name: str
    status: str
    created_at: str | None
    jobs: int
    by_state: dict[str, int]
    progress: float = Field(description="share of jobs finished, failed or cancelled")


class CampaignsPage(_Open):
    available: bool = Field(description="always true: every store has the campaign tables (kept for API stability)")
    campaigns: list[CampaignOut]
    next: str | None
