"""The analysis pipeline on realistic recorded sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from analyzer.analysis import analyze_session, dump_findings
from analyzer.analysis.findings import finding_json
from tests.analysis import corpus as c


def by(findings, **want):
    def ok(f):
        for key, value in want.items():
            if key == "host":
                got = (f.get("flow") or {}).get("host")
            elif key == "party":
                got = (f.get("destination") or {}).get("party")
            elif key == "rule":  # a finding carries every rule it breaks
                if value not in f["rules"]:
                    return False
                continue
            else:
                got = f.get(key)
            if got != value:
                return False
        return True

    return [f for f in findings if ok(f)]


def one(findings, **want):
    hits = by(findings, **want)
    assert len(hits) == 1, (want, [(f["rule"], f["phase"], f["pii_type"], f.get("sdk")) for f in findings])
    return hits[0]


def test_preconsent_leak(store):
    c.preconsent_leak(store).commit()
    result = analyze_session(store, "preconsent")
    f = result.findings
    imei = one(f, rule="pre-consent-transmission", pii_type="imei")
    assert imei["phase"] == "pre_consent"
    assert imei["sdk"] == "umeng" and imei["evidence"]["sdk_basis"] == "api_call_stack"
    assert imei["flow"]["host"] == "ulogs.umeng.com" and imei["destination"]["party"] == "third"
    assert imei["destination"]["organisation"].startswith("友盟")
    assert imei["confidence"] == "high" and imei["location"] == "body"
    assert imei["encoding"][-1] == "md5" and imei["evidence"]["value"] == c.IMEI
    assert imei["evidence"]["matched"] == c.md5(c.IMEI)
    assert imei["evidence"]["api_call"]["api"] == c.API_IMEI
    # sent 2.6 s before the grant that ended the pre-consent phase
    assert imei["evidence"]["relative_to_consent_ms"] == pytest.approx(-2600, abs=1)
    assert imei["evidence"]["consent_action"] == "granted"
    one(f, rule="pre-consent-transmission", pii_type="android_id")
    # the same IMEI sent after the grant is no pre-consent finding but still third-party
    assert not by(f, rule="pre-consent-transmission", phase="post_consent")
    assert by(f, rule="third-party-transmission", phase="post_consent", pii_type="imei")
    calls = by(f, rule="pre-consent-api-call")
    assert {x["pii_type"] for x in calls} == {"imei", "android_id"} and all(x["sdk"] == "umeng" for x in calls)
    assert not by(f, rule="post-refusal-transmission") and not by(f, rule="cleartext-transmission")
    assert result.verdicts["pre-consent-transmission"] == 2
    assert result.stats["consent_basis"] == "user"


def test_refusal_from_click_only(store):
    c.refusal_ignored(store).commit()
    f = analyze_session(store, "refusal").findings
    loc = by(f, rule="post-refusal-transmission", pii_type="location")
    assert loc and all(x["sdk"] == "amap" and x["phase"] == "post_refusal" for x in loc)
    assert loc[0]["destination"]["sdk"] == "amap" and loc[0]["flow"]["host"] == "restapi.amap.com"
    call = one(f, rule="post-refusal-api-call")
    assert call["sdk"] == "amap" and call["evidence"]["value"] == c.LOCATION
    assert not by(f, rule="pre-consent-transmission")


def test_withdrawal(store):
    c.withdraw(store).commit()
    f = analyze_session(store, "withdraw").findings
    after = one(f, rule="post-withdrawal-transmission")
    assert after["pii_type"] == "oaid" and after["sdk"] == "sensorsdata" and "gzip" in after["encoding"]
    assert after["evidence"]["consent_action"] == "withdrawn"
    one(f, rule="post-withdrawal-api-call", sdk="sensorsdata")
    # before the withdrawal the same request was consented
    assert not by(f, rule="pre-consent-transmission")
    assert len(by(f, rule="third-party-transmission")) == 2


def test_encoded_identifiers(store):
    c.encoded_ids(store).commit()
    f = analyze_session(store, "encoded").findings
    pre = by(f, rule="pre-consent-transmission")
    chains = {x["pii_type"]: x["encoding"] for x in pre}
    assert set(chains) == {"imei", "android_id", "mac", "oaid"}
    assert chains["imei"][-1] == "sha256"
    assert chains["android_id"][-2:] == ["upper", "md5"]
    assert "base64" in chains["mac"]
    assert ["base64", "gzip"] == [s for s in chains["oaid"] if s in ("base64", "gzip")]
    assert {x["sdk"] for x in pre} == {"talkingdata"} and {x["destination"]["sdk"] for x in pre} == {"talkingdata"}


def test_encrypted_payload(store):
    c.encrypted_payload(store).commit()
    f = analyze_session(store, "encrypted").findings
    pre = by(f, rule="pre-consent-transmission")
    assert {x["pii_type"] for x in pre} == {"imei", "oaid"}
    for x in pre:
        assert any("aes" in step.lower() for step in x["encoding"]), x["encoding"]
        assert x["sdk"] == "pangle" and x["destination"]["party"] == "third"


def test_first_and_third_party(store):
    b = c.party_split(store)
    # before the dialog the app's own code reads the ID for its own backend
    b.call(-500, c.API_AID, "android_id", c.ANDROID_ID, c.APP_STACK)
    b.flow(-400, "GET", "https://api.labshop.example/v1/hello", headers=[("X-Device-Id", c.ANDROID_ID)])
    b.commit()
    f = analyze_session(store, "party").findings
    own = by(f, host="api.labshop.example")
    # after consent the first party may receive it: only the pre-consent request is a finding
    assert [x["rule"] for x in own] == ["pre-consent-transmission"]
    assert own[0]["destination"]["party"] == "first" and own[0]["destination"]["organisation"] == c.PACKAGE
    assert own[0]["sdk"] is None and own[0]["location"] == "header"  # the app's own call produced it
    assert own[0]["evidence"]["api_call"]["api"] == c.API_AID and own[0]["evidence"]["api_call"]["sdk"] is None
    third = one(f, rule="third-party-transmission", pii_type="android_id")
    assert third["sdk"] == "appsflyer" and third["destination"]["sdk"] == "appsflyer"
    assert third["phase"] == "post_consent" and third["confidence"] == "high"


def test_package_heuristic_when_no_first_party_list(store):
    b = c.SessionBuilder(store, "heur", first_party=())
    b.flow(100, "GET", f"https://api.labshop.example/x?aid={c.ANDROID_ID}")
    b.flow(200, "GET", f"https://collector.other-analytics.example/x?aid={c.ANDROID_ID}")
    b.event({"type": "identifier", "ts": c.T0, "kind": "android_id", "value": c.ANDROID_ID, "source": "canary"})
    b.commit()
    f = analyze_session(store, "heur").findings
    own = by(f, host="api.labshop.example")
    assert own and own[0]["destination"]["party"] == "first"
    assert own[0]["destination"]["party_basis"] == "package_heuristic"
    assert own[0]["rule"] == "pre-consent-transmission" and own[0]["sdk"] is None
    other = one(f, rule="third-party-transmission")
    assert other["flow"]["host"] == "collector.other-analytics.example"
    assert other["rule_confidence"]["third-party-transmission"] == "medium"
    assert other["destination"]["sdk"] is None and other["evidence"]["identifier_source"] == "canary"


def test_background_and_cleartext(store):
    c.background_cleartext(store).commit()
    f = analyze_session(store, "background").findings
    clear = one(f, rule="cleartext-transmission")
    assert clear["flow"]["url"].startswith("http://") and clear["phase"] == "post_consent"
    bg = by(f, rule="background-collection")
    assert {("flow" if x["flow"] else "api") for x in bg} == {"flow", "api"}
    assert all(x["sdk"] == "talkingdata" for x in bg)
    flow_bg = [x for x in bg if x["flow"]][0]
    assert flow_bg["flow"]["host"] == "tdcv3.talkingdata.com" and flow_bg["evidence"]["foreground"] == "background"
    # the request during the short pause between two activities is not background
    assert not [x for x in bg if x["flow"] and x["flow"]["ts"] < flow_bg["flow"]["ts"]]


def test_over_frequency_exact_counts(store):
    c.over_frequency(store, calls=200).commit()
    result = analyze_session(store, "overfreq")
    freq = one(result.findings, rule="over-frequency-collection")
    ev = freq["evidence"]
    assert ev["total_calls"] == 200 and ev["count"] == 200
    assert ev["window_ms"] == 10_000 and ev["limit"] == 10
    assert freq["sdk"] == "amap" and freq["pii_type"] == "location"
    assert freq["evidence"]["api_call"]["api"] == c.API_LOC
    # a higher configured limit for that API clears it; the slow API is never flagged
    config = {"over_frequency": {"per_api": {c.API_LOC: {"window_ms": 10_000, "max_calls": 200}}}}
    assert not by(analyze_session(store, "overfreq", rules_config=config).findings, rule="over-frequency-collection")


def test_ambiguous_within_clock_uncertainty(store):
    c.ambiguous(store, uncertainty_ms=50).commit()
    f = analyze_session(store, "ambiguous").findings
    near = one(f, rule="pre-consent-transmission")
    assert near["phase"] == "ambiguous" and near["rule_confidence"]["pre-consent-transmission"] == "low"
    assert near["evidence"]["phase_candidates"] == ["pre_consent", "post_consent"]
    assert near["evidence"]["relative_to_consent_ms"] == pytest.approx(20, abs=1)
    # the hook-timed call at the same offset shares the grant's clock: decided, not ambiguous
    assert not by(f, rule="pre-consent-api-call", pii_type="imei")
    assert by(f, rule="pre-consent-api-call", pii_type="android_id")
    # the later flow is well after the grant
    assert len(by(f, rule="third-party-transmission", phase="post_consent")) == 1


def test_ambiguity_shrinks_with_the_uncertainty(store):
    c.ambiguous(store, "certain", uncertainty_ms=1).commit()
    f = analyze_session(store, "certain").findings
    assert not by(f, phase="ambiguous") and not by(f, rule="pre-consent-transmission")


def test_sdk_api_consent_alone_drives_the_timeline(store):
    b = c.SessionBuilder(store, "sdkonly")
    b.consent(1000, "granted", source="sdk_api", sdk="umeng")
    b.call(500, c.API_IMEI, "imei", c.IMEI, c.UMENG_STACK).call(2000, c.API_AID, "android_id", c.ANDROID_ID, c.UMENG_STACK)
    b.commit()
    result = analyze_session(store, "sdkonly")
    assert result.stats["consent_basis"] == "sdk_api"
    assert [x["pii_type"] for x in by(result.findings, rule="pre-consent-api-call")] == ["imei"]


def test_deterministic_and_stable_ids(store):
    c.preconsent_leak(store).commit()
    first = analyze_session(store, "preconsent")
    second = analyze_session(store, "preconsent")
    assert dump_findings(first.findings) == dump_findings(second.findings)
    assert first.run_id != second.run_id
    session = store.get_session("preconsent")
    assert store.current_run(session.id).id == second.run_id
    stored = [finding_json(f) for f in store.findings(second.run_id)]
    assert dump_findings(stored) == dump_findings(second.findings)
    ids = [x["id"] for x in stored]
    assert len(ids) == len(set(ids))
    assert stored == sorted(stored, key=lambda x: (x["ts"], x["id"]))


def test_older_ruleset_and_disabled_rules(store):
    c.background_cleartext(store).commit()
    old = analyze_session(store, "background", ruleset="2026.06.1")
    assert not by(old.findings, rule="cleartext-transmission") and "cleartext-transmission" not in old.verdicts
    assert store.current_run(store.get_session("background").id).ruleset_version == "2026.06.1"
    off = analyze_session(store, "background", rules_config={"disabled_rules": ["third-party-transmission"]})
    assert by(off.findings, rule="cleartext-transmission") and not by(off.findings, rule="third-party-transmission")


def test_progress_and_streaming(store):
    b = c.SessionBuilder(store, "many")
    b.call(0, c.API_AID, "android_id", c.ANDROID_ID, c.UMENG_STACK)
    for i in range(450):  # more than one store batch
        b.flow(10 + i, "GET", f"https://alog.umeng.com/l?i={i}" + (f"&aid={c.ANDROID_ID}" if i % 50 == 0 else ""))
    b.commit()
    seen = []
    result = analyze_session(store, "many", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (450, 450) and len(seen) == 450
    assert result.stats["flows_with_pii"] == 9
    assert len(by(result.findings, rule="pre-consent-transmission")) == 9


def test_websocket_client_messages(store):
    b = c.SessionBuilder(store, "ws")
    b.call(0, c.API_IMEI, "imei", c.IMEI, c.UMENG_STACK)
    b.websocket(100, "wss://push.jpush.cn/ws", '{"op":"login","imei":"%s"}' % c.IMEI)
    b.commit()
    f = analyze_session(store, "ws").findings
    hit = one(f, rule="pre-consent-transmission")
    assert hit["location"] == "websocket" and hit["destination"]["sdk"] == "jpush"
