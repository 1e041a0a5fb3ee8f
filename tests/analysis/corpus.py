"""Realistic recorded sessions for analysis tests: hooked calls with SDK stacks, consent
events as the hooks send them, and tracker requests with the field names and encodings
real SDKs use. Every builder writes through the store API, as capture and hooks do."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
from typing import Any, Sequence
from urllib.parse import urlencode

from analyzer.models.events import parse_event
from analyzer.models.flow import FlowRecord, WebSocketRecord
from analyzer.store.types import from_epoch_ms

T0 = 1_767_225_600_000.0  # 2026-01-01T00:00:00Z, epoch ms
IMEI = "356938035643809"
ANDROID_ID = "9774d56d682e549c"
OAID = "a1b2c3d4-e5f6-4789-abcd-0123456789ab"
MAC = "02:1a:2b:3c:4d:5e"
LOCATION = "39.9087243,116.3974965"
PACKAGE = "com.labshop.leaky"

API_IMEI = "android.telephony.TelephonyManager.getImei"
API_AID = "android.provider.Settings$Secure.getString"
API_LOC = "android.location.LocationManager.getLastKnownLocation"
API_OAID = "com.bun.miitmdid.core.MdidSdkHelper.InitSdk"
API_MAC = "android.net.wifi.WifiInfo.getMacAddress"


def stack(*frames: str) -> list[str]:
    """A hook stack, innermost first, with the framework frames a real one has on top."""
    return ["java.lang.Thread.getStackTrace(Thread.java:1610)", *frames, "android.app.Activity.performCreate(Activity.java:8000)"]


UMENG_STACK = stack(
    "android.telephony.TelephonyManager.getImei(TelephonyManager.java:2051)",
    "com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:311)",
    "com.umeng.analytics.pro.UMAnalytics.collect(UMAnalytics.java:88)",
    f"{PACKAGE}.LeakyApp.onCreate(LeakyApp.java:21)",
)
AMAP_STACK = stack(
    "android.location.LocationManager.getLastKnownLocation(LocationManager.java:1201)",
    "com.amap.api.location.AMapLocationClient.startLocation(AMapLocationClient.java:140)",
    f"{PACKAGE}.MapActivity.onResume(MapActivity.java:40)",
)
APP_STACK = stack(
    "android.provider.Settings$Secure.getString(Settings.java:5000)",
    "okhttp3.internal.Util.toString(Util.java:10)",
    f"{PACKAGE}.api.ShopClient.deviceHeaders(ShopClient.java:77)",
    "com.umeng.analytics.MobclickAgent.onResume(MobclickAgent.java:5)",
)
SENSORS_STACK = stack(
    "com.bun.miitmdid.core.MdidSdkHelper.InitSdk(MdidSdkHelper.java:30)",
    "com.sensorsdata.analytics.android.sdk.SensorsDataAPI.identify(SensorsDataAPI.java:500)",
)
TD_STACK = stack("android.net.wifi.WifiInfo.getMacAddress(WifiInfo.java:10)", "com.tendcloud.tenddata.TCAgent.init(TCAgent.java:61)")
PANGLE_STACK = stack("javax.crypto.Cipher.doFinal(Cipher.java:2100)", "com.bytedance.sdk.openadsdk.core.AdRequest.encrypt(AdRequest.java:12)")


class SessionBuilder:
    """Events and flows of one session, timed in milliseconds after T0."""

    def __init__(self, store, name: str, *, package: str | None = PACKAGE, first_party: Sequence[str] = ("labshop.example",),
                 uncertainty_ms: float = 0.0, consent_choice: str | None = None) -> None:
        self.store = store
        self.name = name
        app = (package, "1.0.0") if package else None
        self.session = store.create_session(name, app=app, device={"kind": "lab", "serial": "lab-1"}, consent_choice=consent_choice,
                                            first_party_domains=list(first_party), status="finished")
        if uncertainty_ms:
            store.update_session(name, clock_uncertainty_ms=uncertainty_ms)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.flows: list[FlowRecord] = []

    # -- events --------------------------------------------------------------------------
    def event(self, obj: dict[str, Any], origin: str = "hook") -> "SessionBuilder":
        self.events.append((origin, obj))
        return self

    def call(self, at: float, api: str, kind: str | None, ret: Any, frames: Sequence[str], *, count: int = 1, first: float | None = None):
        ev = {"type": "api_call", "ts": T0 + at, "api": api, "ret": ret, "stack": list(frames), "count": count}
        if kind:
            ev["kind"] = kind
        if first is not None:
            ev["first_ts"] = T0 + first
        return self.event(ev)

    def consent(self, at: float, action: str, source: str = "ui", origin: str = "hook", **extra: Any):
        return self.event({"type": "consent", "ts": T0 + at, "action": action, "source": source, **extra}, origin)

    def click(self, at: float, text: str):
        return self.event({"type": "ui", "ts": T0 + at, "action": "click", "text": text, "view": "android.widget.Button"})

    def dialog(self, at: float):
        self.event({"type": "ui", "ts": T0 + at, "action": "dialog_shown", "text": "隐私政策", "texts": ["同意", "不同意"]})
        return self.consent(at, "shown")

    def lifecycle(self, at: float, state: str):
        return self.event({"type": "lifecycle", "ts": T0 + at, "state": state})

    def crypto(self, at: float, plain: bytes, out: bytes, frames: Sequence[str]):
        return self.event({"type": "crypto", "ts": T0 + at, "op": "encrypt", "algorithm": "AES/CBC/PKCS5Padding",
                           "input_b64": base64.b64encode(plain).decode(), "output_b64": base64.b64encode(out).decode(),
                           "stack": list(frames)})

    # -- flows ---------------------------------------------------------------------------
    def flow(self, at: float, method: str, url: str, body: bytes | str = b"", headers: Sequence[tuple[str, str]] = (), **kw: Any):
        data = body.encode() if isinstance(body, str) else body
        ts = from_epoch_ms(T0 + at)
        self.flows.append(FlowRecord(method=method, url=url, ts_start=ts, request_headers=list(headers), request_body=data,
                                     status_code=200, ts_end=ts + dt.timedelta(milliseconds=30), tls=url.startswith("https"), **kw))
        return self

    def json_post(self, at: float, url: str, obj: Any, *, gzip_body: bool = False):
        raw = json.dumps(obj).encode()
        headers = [("Content-Type", "application/json")]
        if gzip_body:
            raw = gzip.compress(raw, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        return self.flow(at, "POST", url, raw, headers)

    def form_post(self, at: float, url: str, fields: dict[str, str]):
        return self.flow(at, "POST", url, urlencode(fields), [("Content-Type", "application/x-www-form-urlencoded")])

    def websocket(self, at: float, url: str, message: str):
        ts = from_epoch_ms(T0 + at)
        return self.flow(at, "GET", url, websocket=[WebSocketRecord(from_client=True, content=message.encode(), is_text=True, ts=ts)])

    def commit(self):
        by_origin: dict[str, list] = {}
        for origin, obj in sorted(self.events, key=lambda e: e[1]["ts"]):
            by_origin.setdefault(origin, []).append(parse_event(obj))
        for origin, events in by_origin.items():
            self.store.add_events(self.session.id, events, origin=origin)
        if self.flows:
            self.store.add_flows(self.session.id, sorted(self.flows, key=lambda f: f.ts_start))
        return self.session


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- the scenarios ------------------------------------------------------------------------
def preconsent_leak(store, name: str = "preconsent") -> SessionBuilder:
    """Umeng reads IMEI and Android ID in Application.onCreate and reports before the dialog."""
    b = SessionBuilder(store, name, consent_choice="accept")
    b.lifecycle(0, "start").lifecycle(50, "foreground")
    b.call(100, API_IMEI, "imei", IMEI, UMENG_STACK)
    b.call(110, API_AID, "android_id", ANDROID_ID, UMENG_STACK)
    b.json_post(400, "https://ulogs.umeng.com/unify_logs", {"header": {"imei_md5": md5(IMEI), "android_id": ANDROID_ID}})
    b.dialog(1000)
    b.click(3000, "同意")
    b.consent(3000, "granted", text="同意")
    b.consent(3010, "granted", source="sdk_api", sdk="umeng", api="com.umeng.commonsdk.UMConfigure.submitPolicyGrantResult")
    b.json_post(5000, "https://ulogs.umeng.com/unify_logs", {"header": {"imei_md5": md5(IMEI)}})
    return b


def refusal_ignored(store, name: str = "refusal") -> SessionBuilder:
    """The user taps 不同意 (only a click event arrives); AMap keeps locating and sending."""
    b = SessionBuilder(store, name, consent_choice="refuse")
    b.lifecycle(0, "foreground")
    b.event({"type": "identifier", "ts": T0 + 1, "kind": "location", "value": LOCATION, "source": "hook"})
    b.dialog(500)
    b.click(2000, "不同意")
    b.call(2500, API_LOC, "location", {"latitude": 39.9087243, "longitude": 116.3974965}, AMAP_STACK)
    b.flow(2600, "GET", "https://restapi.amap.com/v3/geocode/regeo?location=116.3974965,39.9087243&key=labkey")
    return b


def withdraw(store, name: str = "withdraw") -> SessionBuilder:
    b = SessionBuilder(store, name, consent_choice="withdraw-after=3")
    b.lifecycle(0, "foreground")
    b.dialog(100).click(1000, "同意").consent(1000, "granted")
    b.call(1500, API_OAID, "oaid", OAID, SENSORS_STACK)
    b.json_post(1600, "https://sa.sensorsdata.cn/sa?project=labshop", {"distinct_id": OAID}, gzip_body=True)
    b.click(4000, "撤回同意").consent(4000, "withdrawn", text="撤回同意")
    b.consent(4005, "refused", source="sdk_api", sdk="sensorsdata")
    b.call(4500, API_OAID, "oaid", OAID, SENSORS_STACK)
    b.json_post(5000, "https://sa.sensorsdata.cn/sa?project=labshop", {"distinct_id": OAID, "event": "$AppEnd"}, gzip_body=True)
    return b


def encoded_ids(store, name: str = "encoded") -> SessionBuilder:
    """TalkingData-like: sha256 IMEI, upper-case MD5 Android ID, base64 MAC, base64(gzip(JSON)) OAID."""
    b = SessionBuilder(store, name, consent_choice="none")
    b.call(10, API_IMEI, "imei", IMEI, stack("com.tendcloud.tenddata.TCAgent.init(TCAgent.java:60)"))
    b.call(11, API_AID, "android_id", ANDROID_ID, stack("com.tendcloud.tenddata.TCAgent.init(TCAgent.java:60)"))
    b.call(12, API_MAC, "mac", MAC, TD_STACK)
    b.call(13, API_OAID, "oaid", OAID, stack("com.tendcloud.tenddata.TCAgent.init(TCAgent.java:60)"))
    packed = base64.b64encode(gzip.compress(json.dumps({"oaid": OAID}).encode(), mtime=0)).decode()
    b.form_post(200, "https://tdcv3.talkingdata.com/g/d", {
        "tdid": sha256(IMEI), "aid": md5(ANDROID_ID).upper(), "m": base64.b64encode(MAC.encode()).decode(), "payload": packed,
    })
    b.dialog(300)
    return b


def encrypted_payload(store, name: str = "encrypted") -> SessionBuilder:
    """Pangle-like: AES/CBC over a JSON with IMEI and OAID, base64 ciphertext in the body."""
    b = SessionBuilder(store, name, consent_choice="none")
    b.call(10, API_IMEI, "imei", IMEI, stack("com.bytedance.sdk.openadsdk.core.DeviceUtils.imei(DeviceUtils.java:9)"))
    b.call(11, API_OAID, "oaid", OAID, stack("com.bytedance.sdk.openadsdk.core.DeviceUtils.oaid(DeviceUtils.java:19)"))
    plain = json.dumps({"imei": IMEI, "oaid": OAID}).encode()
    cipher = hashlib.sha256(plain).digest() + hashlib.sha256(plain[::-1]).digest()  # the bytes the hook saw leave doFinal
    b.crypto(50, plain, cipher, PANGLE_STACK)
    b.json_post(100, "https://api-access.pangolin-sdk-toutiao.com/api/ad/union/sdk/get_ads/",
                {"cypher": 3, "message": base64.b64encode(cipher).decode()})
    return b


def party_split(store, name: str = "party") -> SessionBuilder:
    """After consent the app's own backend and a third-party SDK both get the Android ID."""
    b = SessionBuilder(store, name, consent_choice="accept")
    b.dialog(0).consent(100, "granted")
    b.call(200, API_AID, "android_id", ANDROID_ID, APP_STACK)
    b.call(210, API_AID, "android_id", ANDROID_ID, stack("com.appsflyer.internal.AFb1xSDK.values(AFb1xSDK.java:1)"))
    b.flow(300, "GET", "https://api.labshop.example/v1/cart", headers=[("X-Device-Id", ANDROID_ID)])
    b.json_post(320, "https://launches.appsflyersdk.com/api/v6.9/androidevent?app_id=com.labshop.leaky", {"android_id": ANDROID_ID})
    return b


def background_cleartext(store, name: str = "background") -> SessionBuilder:
    """After consent: sent in cleartext while foreground, then collected and sent in background;
    a pause/resume pair between activities is not background."""
    b = SessionBuilder(store, name, consent_choice="accept")
    b.lifecycle(0, "foreground").consent(10, "granted", origin="manual")
    b.call(100, API_MAC, "mac", MAC, TD_STACK)
    b.flow(200, "GET", f"http://api.labshop.example/ping?mac={MAC}")
    b.lifecycle(1000, "background").lifecycle(1100, "foreground")  # activity switch
    b.flow(1050, "GET", f"https://api.labshop.example/ping?mac={MAC}")
    b.lifecycle(2000, "background")
    b.call(5000, API_MAC, "mac", MAC, TD_STACK)
    b.flow(5100, "POST", "https://tdcv3.talkingdata.com/g/d", f"m={MAC}", [("Content-Type", "application/x-www-form-urlencoded")])
    return b


def over_frequency(store, name: str = "overfreq", calls: int = 200) -> SessionBuilder:
    """A location poller: ``calls`` getLastKnownLocation calls in ~2 s, batched by the hooks."""
    b = SessionBuilder(store, name, consent_choice="accept")
    b.consent(0, "granted", origin="manual")
    per_batch, start = 25, 1000.0
    done = 0
    while done < calls:
        n = min(per_batch, calls - done)
        first = start + done * 10
        b.call(first + (n - 1) * 10, API_LOC, "location", LOCATION, AMAP_STACK, count=n, first=first)
        done += n
    b.call(60_000, "android.telephony.TelephonyManager.getSimOperator", None, "46000", AMAP_STACK)  # one slow call: fine
    return b


def ambiguous(store, name: str = "ambiguous", uncertainty_ms: float = 50.0) -> SessionBuilder:
    """Hook-timed grant; a flow 20 ms after it is within the clock uncertainty."""
    b = SessionBuilder(store, name, uncertainty_ms=uncertainty_ms, consent_choice="accept")
    b.call(100, API_AID, "android_id", ANDROID_ID, UMENG_STACK)
    b.consent(1000, "granted")
    b.flow(1020, "GET", f"https://alog.umeng.com/app_logs?aid={ANDROID_ID}")
    b.call(1020, API_IMEI, "imei", IMEI, UMENG_STACK)  # same clock as the grant: not ambiguous
    b.flow(3000, "GET", f"https://alog.umeng.com/app_logs?aid={ANDROID_ID}&n=2")
    return b
