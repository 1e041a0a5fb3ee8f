"""The report JSON contract (``consentry.report/2``, docs/reports.md).

Other tools read this; fields may be added, existing ones keep their meaning.
``consentry schema report`` prints the JSON Schema generated from these models.

Version 2 (incompatible with 1): a finding is one personal-data item in one request
(or one group of sensitive API calls) and lists every rule it breaks in ``rules``
(``rule`` is the first of them); finding ids no longer depend on the rule;
``requests`` holds the proof of each request that has findings (request line,
headers, status, server address) once, and findings point to it by ``flow.id``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

REPORT_SCHEMA_ID = "consentry.report/2"

Phase = Literal["pre_consent", "post_refusal", "post_consent", "post_withdrawal", "ambiguous"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FlowRef(_Open):
    id: str
    url: str
    method: str
    host: str
    ts: str = Field(description="ISO-8601 UTC, workstation clock")


class Destination(_Open):
    host: str
    party: Literal["first", "third", "unknown"]
    sdk: str | None = None
    organisation: str | None = None


class ApiCallRef(_Open):
    api: str
    ts: str
    kind: str | None = None
    ret: Any = None
    stack: list[str] = Field(default_factory=list)
    count: int = 1
    sdk: str | None = None


class Evidence(_Open):
    value: str | None = Field(None, description="the personal data value (masked with --redact)")
    matched: str | None = Field(None, description="the text found on the wire (the variant)")
    excerpt: str | None = None
    excerpt_span: list[int] | None = None
    path: str | None = None
    request_line: str | None = None
    identifier_source: str | None = None
    detector: str | None = None
    stack: list[str] = Field(default_factory=list)
    api_call: ApiCallRef | None = Field(None, description="the hooked call that produced the value")
    relative_to_consent_ms: float | None = Field(
        None, description="time from the nearest consent event (negative: before it)"
    )
    consent_action: str | None = None
    count: int | None = Field(None, description="calls in the window (over-frequency rules)")
    window_ms: float | None = None


class Finding(_Open):
    id: str = Field(description="stable across re-analysis of the same inputs")
    rule: str = Field(description="the first of `rules` in catalogue order")
    rules: list[str] = Field(default_factory=list, description="every rule this finding breaks")
    rule_confidence: dict[str, str] = Field(default_factory=dict, description="confidence per rule")
    phase: Phase
    pii_type: str | None
    flow: FlowRef | None = None
    location: str | None = None
    encoding: list[str] = Field(default_factory=list)
    destination: Destination | None = None
    sdk: str | None = None
    confidence: Literal["high", "medium", "low"]
    ts: str
    evidence: Evidence = Field(default_factory=Evidence)


class RequestProof(_Open):
    """One request that carried personal data, as a regulator needs to see it."""

    id: str = Field(description="flow id; findings point here with flow.id")
    seq: int | None = Field(None, description="position in capture order")
    method: str
    url: str
    http_version: str | None = None
    host: str
    ts: str
    request_headers: list[list[str]] = Field(default_factory=list)
    request_body_size: int = 0
    request_body_preview: str | None = Field(None, description="start of the request body as text")
    status_code: int | None = None
    reason: str | None = None
    server_ip: str | None = None
    server_port: int | None = None
    country: str | None = Field(None, description="ISO country of server_ip (GeoIP database, when configured)")
    tls: bool = False
    sni: str | None = None
    error: str | None = None
    finding_ids: list[str] = Field(default_factory=list)
    truncated_headers: bool = False


class ConsentMark(_Open):
    ts: str
    ts_device_ms: float | None = None
    action: Literal["shown", "granted", "refused", "withdrawn"]
    source: str
    sdk: str | None = None
    text: str | None = None
    via: str | None = Field(None, description="how the consent driver acted: ui-tree, hooks-rpc, sdk-api-call")
    matched: list[str] | None = Field(None, description="consent-screen words and button label matched on screen")
    node: dict[str, Any] | None = Field(None, description="the tapped node (text, resource_id, class, bounds)")
    evidence: dict[str, Any] | None = Field(
        None, description="sha256 of the UI dumps/screenshots around the tap (step, before, after, shown)"
    )


class Clause(_Open):
    framework: str  # "MIIT-2019", "GB/T 35273-2020", "PIPL", "GDPR", "ePrivacy"
    ref: str
    text: str


class RuleInfo(_Open):
    id: str
    title: str
    title_zh: str | None = None
    severity: Literal["high", "medium", "low"]
    clauses: list[Clause] = Field(default_factory=list)


class SessionInfo(_Open):
    id: str
    name: str
    app: dict[str, Any] = Field(default_factory=dict)
    device: dict[str, Any] = Field(default_factory=dict)
    consent_choice: str | None = None
    status: str
    started_at: str | None = None
    ended_at: str | None = None
    clock_offset_ms: float | None = None
    clock_uncertainty_ms: float | None = None
    flow_count: int = 0
    event_count: int = 0
    hashes: dict[str, str] = Field(default_factory=dict)


class Report(_Open):
    schema_: str = Field(REPORT_SCHEMA_ID, alias="schema")
    generated_at: str
    tool: dict[str, Any] = Field(default_factory=dict)  # name, version, ruleset_version
    session: SessionInfo
    consent: list[ConsentMark] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    requests: list[RequestProof] = Field(default_factory=list, description="proof of each request with findings")
    rules: list[RuleInfo] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)  # by_rule, by_phase, by_sdk, verdicts
    api_calls: list[ApiCallRef] = Field(default_factory=list, description="sensitive calls, for the timeline")

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    # Screenshots the HTML report embeds (sha256 -> PNG); not part of the JSON contract.
    _ui_images: dict[str, bytes] = PrivateAttr(default_factory=dict)


def report_json_schema() -> dict[str, Any]:
    schema = Report.model_json_schema(by_alias=True)
    schema["$id"] = REPORT_SCHEMA_ID
    return schema
