"""Realistic Report objects for report tests and the render benchmark.

Builds what analysis of a lab session produces: several SDKs, every phase, Chinese
text, hooked calls with stacks, and optionally hostile payloads that try to break out
of the HTML/Markdown they end up in.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from analyzer.models.report import (
    ApiCallRef,
    Clause,
    ConsentMark,
    Destination,
    Evidence,
    Finding,
    FlowRef,
    Report,
    RequestProof,
    RuleInfo,
    SessionInfo,
)

T0 = dt.datetime(2024, 5, 6, 8, 0, 0, tzinfo=dt.timezone.utc)

IMEI = "356938035643809"
ANDROID_ID = "9774d56d682e549c"
OAID = "a1b2c3d4-e5f6-4789-abcd-0123456789ab"
MAC = "02:1a:2b:3c:4d:5e"
LOCATION = "39.9087243,116.3974965"
PHONE = "+8613812345678"
EMAIL = "zhang.wei@labshop.example"
IDENTIFIERS = {
    "imei": IMEI, "android_id": ANDROID_ID, "oaid": OAID, "mac": MAC,
    "location": LOCATION, "phone_number": PHONE, "email": EMAIL,
}

# Each payload would change the page if it ever ran or parsed as markup.
HOSTILE = [
    "<script>document.title='PWNED'</script>",
    "</style><style>body{display:none}</style>",
    "</svg><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<a href=\"javascript:document.title='PWNED'\" id=\"pwned-link\">x</a>",
    "{{ 7*7 }}{% raw %}{{ config }}{% endraw %}",
    "</textarea></pre></code><div id=\"pwned\">x</div>",
    "`| md | break |` ``` ** __",
]

RULES = [
    RuleInfo(
        id="pre-consent-transmission", title="Personal data sent before consent",
        title_zh="同意前发送个人信息", severity="high",
        clauses=[
            Clause(framework="MIIT-2019", ref="三(1)", text="征得用户同意前就开始收集个人信息或打开可收集个人信息的权限"),
            Clause(framework="GB/T 35273-2020", ref="5.4", text="收集个人信息时的授权同意"),
            Clause(framework="PIPL", ref="Art. 13", text="处理个人信息应当取得个人同意"),
            Clause(framework="GDPR", ref="Art. 6(1)(a)", text="consent of the data subject"),
        ],
    ),
    RuleInfo(
        id="post-refusal-transmission", title="Personal data sent after refusal",
        title_zh="拒绝后发送个人信息", severity="high",
        clauses=[Clause(framework="MIIT-2019", ref="三(3)", text="用户明确表示不同意后，仍收集个人信息")],
    ),
    RuleInfo(
        id="post-withdrawal-transmission", title="Personal data sent after withdrawal",
        title_zh="撤回同意后发送个人信息", severity="high",
        clauses=[Clause(framework="PIPL", ref="Art. 15", text="个人有权撤回其同意")],
    ),
    RuleInfo(id="pre-consent-api-call", title="Sensitive API called before consent",
             title_zh="同意前调用敏感API", severity="medium",
             clauses=[Clause(framework="MIIT-2019", ref="三(1)", text="征得用户同意前收集")]),
    RuleInfo(id="over-frequency-collection", title="Over-frequent collection",
             title_zh="超频次收集", severity="medium",
             clauses=[Clause(framework="GB/T 35273-2020", ref="5.2", text="最小必要")]),
    RuleInfo(id="third-party-transmission", title="Personal data sent to a third party",
             title_zh="向第三方发送个人信息", severity="low",
             clauses=[Clause(framework="GDPR", ref="Art. 13(1)(e)", text="recipients of the personal data")]),
    RuleInfo(id="cleartext-transmission", title="Personal data sent in cleartext",
             title_zh="明文传输个人信息", severity="medium", clauses=[]),
]

# (sdk, host, party, pii, stack frame) templates findings cycle through
SOURCES = [
    ("umeng", "ulogs.umeng.com", "third", "imei", "com.umeng.commonsdk.internal.UMInternalData.a"),
    ("amap", "restapi.amap.com", "third", "location", "com.amap.api.location.AMapLocationClient.b"),
    ("talkingdata", "tdcv3.talkingdata.com", "third", "android_id", "com.tendcloud.tenddata.TCAgent.c"),
    ("pangle", "api-access.pangolin-sdk-toutiao.com", "third", "oaid", "com.bytedance.sdk.openadsdk.core.d"),
    (None, "api.labshop.example", "first", "android_id", "com.labshop.leaky.net.Api.send"),
    (None, "collect.unknown-tracker.example", "third", "mac", "x.y.z.a"),
]


def iso(offset_s: float) -> str:
    return (T0 + dt.timedelta(seconds=offset_s)).isoformat().replace("+00:00", "Z")


def consent_marks(choice: str) -> list[ConsentMark]:
    marks = [ConsentMark(ts=iso(2.0), ts_device_ms=(T0.timestamp() + 2.0) * 1000, action="shown", source="hook",
                         text="隐私政策：我们将收集设备信息")]
    if choice in ("accept", "withdraw"):
        marks.append(ConsentMark(ts=iso(5.0), action="granted", source="ui", text="同意"))
    if choice == "refuse":
        marks.append(ConsentMark(ts=iso(5.0), action="refused", source="ui", text="不同意"))
    if choice == "withdraw":
        marks.append(ConsentMark(ts=iso(12.0), action="withdrawn", source="ui", text="撤回同意"))
    return marks


def phase_at(offset_s: float, choice: str) -> str:
    if offset_s < 5.0 or choice == "none":
        return "pre_consent"
    if choice == "refuse":
        return "post_refusal"
    if choice == "withdraw" and offset_s >= 12.0:
        return "post_withdrawal"
    return "post_consent"


RULE_FOR_PHASE = {
    "pre_consent": "pre-consent-transmission",
    "post_refusal": "post-refusal-transmission",
    "post_withdrawal": "post-withdrawal-transmission",
    "post_consent": "third-party-transmission",
}


def wire_variant(pii: str, value: str) -> tuple[str, list[str]]:
    """What the SDK put on the wire for a value, and the decode chain that finds it."""
    if pii == "imei":
        return hashlib.md5(value.encode()).hexdigest(), ["json:$.d", "md5"]
    if pii == "oaid":
        return base64.b64encode(value.encode()).decode(), ["base64"]
    if pii == "location":
        return value.split(",")[0], ["form:lat"]
    return value, ["json:$.android_id"] if pii == "android_id" else []


API_FOR_KIND = {
    "imei": "android.telephony.TelephonyManager.getImei",
    "location": "android.location.LocationManager.getLastKnownLocation",
    "android_id": "android.provider.Settings$Secure.getString",
    "mac": "android.net.wifi.WifiInfo.getMacAddress",
    "oaid": "com.bun.miitmdid.supplier.IdSupplier.getOAID",
}


def rules_for(phase: str, party: str) -> list[str]:
    """Every rule one transmission breaks, catalogue order (as the analysis gives them)."""
    rules = [RULE_FOR_PHASE[phase]] if phase != "post_consent" else []
    if party == "third":
        rules.append("third-party-transmission")
    return rules or ["cleartext-transmission"]


def make_finding(i: int, offset_s: float, choice: str, *, hostile: str | None = None, flow_index: int | None = None) -> Finding:
    sdk, host, party, pii, frame = SOURCES[i % len(SOURCES)]
    flow_index = i if flow_index is None else flow_index
    value = IDENTIFIERS[pii]
    matched, chain = wire_variant(pii, value)
    phase = phase_at(offset_s, choice)
    rules = rules_for(phase, party)
    prefix = json.dumps({"城市": "北京", "sdk_ver": "9.6.3", "seq": i}, ensure_ascii=False)[:-1] + ', "d": "'
    if hostile:
        prefix = hostile + " " + prefix
    excerpt = prefix + matched + '", "ts": ' + str(1714982400 + i) + "}"
    start = len(prefix)
    fid = hashlib.sha256(f"finding-{choice}-{i}".encode()).hexdigest()[:24]
    url = f"https://{host}/v2/collect?app=com.labshop.leaky&seq={flow_index}"
    if pii == "android_id":
        url += f"&aid={value}"
    call = ApiCallRef(
        api=API_FOR_KIND.get(pii, "android.provider.Settings$Secure.getString"),
        ts=iso(max(offset_s - 0.4, 0)), kind=pii, ret=value, count=1, sdk=sdk,
        stack=[f"{frame}(Native Method)", "android.app.Application.onCreate(Application.java:42)"],
    )
    return Finding(
        id=fid, rule=rules[0], rules=rules, rule_confidence={r: "high" for r in rules}, phase=phase, pii_type=pii,
        flow=FlowRef(id=f"flow-{flow_index}", url=url, method="POST", host=host, ts=iso(offset_s)),
        location="body", encoding=chain,
        destination=Destination(host=host, party=party, sdk=sdk),
        sdk=sdk, confidence="high" if pii != "mac" else "medium", ts=iso(offset_s),
        evidence=Evidence(
            value=value, matched=matched, excerpt=excerpt, excerpt_span=[start, start + len(matched)],
            path="json:$.d", request_line=f"POST {url} HTTP/1.1", identifier_source="hook",
            stack=[f"{frame}(SourceFile:{100 + i % 50})", "java.lang.Thread.run(Thread.java:764)"],
            api_call=call, relative_to_consent_ms=(offset_s - 5.0) * 1000, consent_action="granted",
        ),
    )


def make_api_calls(n: int = 12) -> list[ApiCallRef]:
    calls = []
    for i in range(n):
        sdk = ["umeng", "amap", "talkingdata", None][i % 4]
        kind = ["imei", "location", "android_id", "mac"][i % 4]
        ret: object = IDENTIFIERS[kind]
        if kind == "location":
            lat, lon = (float(x) for x in LOCATION.split(","))
            ret = {"lat": lat, "lon": lon, "provider": "gps"}
        calls.append(ApiCallRef(
            api=API_FOR_KIND[kind],
            ts=iso(0.5 + i * 1.3), kind=kind, ret=ret, count=1 + (i % 3) * 40, sdk=sdk,
            stack=["com.umeng.commonsdk.UMConfigure.init(UMConfigure.java:1)"] if sdk == "umeng" else [],
        ))
    return calls


def make_report(
    n_findings: int = 12,
    *,
    choice: str = "none",
    hostile: bool = False,
    session_name: str | None = None,
    duration_s: float = 20.0,
    with_frequency: bool = True,
    items_per_request: int = 1,
) -> Report:
    """A report of one lab session: findings spread over the session, all phases of the choice."""
    findings = []
    for i in range(n_findings):
        flow_index = i - i % items_per_request
        offset = 0.5 + (duration_s - 1.0) * (flow_index / max(n_findings - 1, 1))
        payload = HOSTILE[i % len(HOSTILE)] if hostile else None
        findings.append(make_finding(i, offset, choice, hostile=payload, flow_index=flow_index))
    if with_frequency and n_findings:
        findings.append(Finding(
            id=hashlib.sha256(f"freq-{choice}".encode()).hexdigest()[:24], rule="over-frequency-collection",
            rules=["over-frequency-collection"],
            phase=phase_at(6.0, choice), pii_type="location", sdk="amap", confidence="high", ts=iso(6.0),
            evidence=Evidence(count=200, window_ms=2000.0, api_call=ApiCallRef(
                api="android.location.LocationManager.getLastKnownLocation", ts=iso(6.0), kind="location",
                ret=LOCATION, count=200, sdk="amap")),
        ))
    name = session_name or f"leaky-{choice}"
    device = {"kind": "lab", "model": "consentry lab JVM", "os": "Android 13 (mirrored)", "frida": "17.2.0"}
    app = {"package": "com.labshop.leaky", "version": "1.0.0", "name": "实验商城",
           "first_party_domains": ["labshop.example"]}
    if hostile:
        device["name"] = HOSTILE[0]
        app["name"] = HOSTILE[2]
    return Report(
        generated_at=iso(60),
        tool={"name": "consentry", "version": "0.1.0", "ruleset_version": "2024.05-1"},
        session=SessionInfo(
            id=hashlib.sha256(name.encode()).hexdigest()[:32], name=name, app=app, device=device,
            consent_choice=choice, status="finished", started_at=iso(0), ended_at=iso(duration_s),
            clock_offset_ms=12.5, clock_uncertainty_ms=4.0, flow_count=n_findings * 2, event_count=40,
            hashes={"flows_sha256": hashlib.sha256(b"flows").hexdigest(),
                    "events_sha256": hashlib.sha256(b"events").hexdigest()},
        ),
        consent=consent_marks(choice),
        findings=findings,
        requests=make_requests(findings, hostile=hostile),
        rules=RULES,
        api_calls=make_api_calls(),
    )


def make_requests(findings: list[Finding], *, hostile: bool = False) -> list[RequestProof]:
    """The proof of every request the findings point at (headers, status, server)."""
    by_flow: dict[str, list[Finding]] = {}
    for f in findings:
        if f.flow is not None:
            by_flow.setdefault(f.flow.id, []).append(f)
    proofs = []
    for n, (flow_id, items) in enumerate(by_flow.items()):
        flow = items[0].flow
        headers = [["Host", flow.host], ["User-Agent", "okhttp/3.12.13"], ["Content-Type", "application/json"],
                   ["X-Sdk-Ver", "9.6.3"]]
        if hostile:
            headers.append(["X-Evil", HOSTILE[n % len(HOSTILE)]])
        proofs.append(RequestProof(
            id=flow_id, seq=n + 1, method=flow.method, url=flow.url, http_version="HTTP/1.1", host=flow.host,
            ts=flow.ts, request_headers=headers, request_body_size=120, request_body_preview=items[0].evidence.excerpt,
            status_code=200, reason="OK", server_ip=f"203.0.113.{n % 250 + 1}", server_port=443, tls=True,
            sni=flow.host, finding_ids=[f.id for f in items],
        ))
    return proofs
