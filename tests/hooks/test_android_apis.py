"""The hooks against the lab's mirror of Android where Android's behaviour matters to them:
overload chains (one app call, one record), identifier reads that throw SecurityException
from API 29 without the privileged permission (the attempt is recorded with the exception),
installed-app probing, SIM subscriptions, Camera2 and MediaRecorder, SystemProperties, the
MSA and vendor OAID providers and IP addresses.

The fixture app (tests/hooks/fixtures/android_apis) is compiled against the lab device's
classes and run like a spawned app: agent loaded, gate opened, then ready.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from analyzer.hooks import HookSession
from analyzer.hooks.probes import packages_probed
from analyzer.lab.build import ensure_built, tool
from analyzer.models.events import ApiCallEvent, IdentifierEvent
from hooks_testlib import launch_gated

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "android_apis"
TM = "android.telephony.TelephonyManager."
PRIVILEGED = "android.permission.READ_PRIVILEGED_PHONE_STATE"


@pytest.fixture(scope="module")
def classpath(tmp_path_factory) -> str:
    lab = ensure_built()
    out = tmp_path_factory.mktemp("android_apis")
    sources = [str(p) for p in FIXTURE.rglob("*.java")]
    subprocess.run([tool("javac"), "--release", "11", "-encoding", "UTF-8", "-nowarn", "-cp", str(lab), "-d", str(out), *sources],
                   check=True, capture_output=True, timeout=180)
    return f"{lab}:{out}"


def run_app(classpath: str, privileged: bool):
    permissions = PRIVILEGED if privileged else ""
    app = launch_gated(["java", "-Xshare:auto", f"-Dlabdevice.privileged_permissions={permissions}", "-cp", classpath,
                        "fixture.AndroidApisApp"])
    session = HookSession(app.proc.pid, categories=["sensitive"], config={"batch_ms": 50})
    try:
        session.load()
        app.go()  # as on ART: resumed first, ready after
        session.wait_ready(30)
        assert app.finish(60) == 0
        assert session.wait_detached(15)
    finally:
        session.unload()
        app.kill()
    calls = [e for e in session.events if isinstance(e, ApiCallEvent)]
    return app, calls, session


def by_api(calls: list[ApiCallEvent], api: str) -> list[ApiCallEvent]:
    return [e for e in calls if e.api == api]


def total(calls: list[ApiCallEvent], api: str) -> int:
    return sum(e.count for e in by_api(calls, api))


def test_android_10_identifier_reads_throw_and_each_attempt_is_recorded_once(classpath):
    app, calls, session = run_app(classpath, privileged=False)
    thrown = {line.split(" ", 2)[1]: line.split(" ", 2)[2] for line in app.lines if line.startswith("LAB:THROWN ")}
    assert thrown["getImei()"].startswith("java.lang.SecurityException: getImei: The user")
    assert "getSubscriberId()" in thrown and "getSimSerialNumber()" in thrown and "getSerial()" in thrown
    assert "getLine1Number()" not in thrown  # a phone number needs READ_PHONE_NUMBERS, not privilege
    counts = app.values("COUNT")
    for method in ("getImei", "getSubscriberId", "getSimSerialNumber", "getLine1Number"):
        recorded = by_api(calls, TM + method)
        # getImei() -> getImei(int): one app call, one record, as the lab's count says.
        assert sum(e.count for e in recorded) == int(counts[TM + method]) == 1, method
    imei = by_api(calls, TM + "getImei")[0]
    assert imei.exception.startswith("java.lang.SecurityException: getImei:") and imei.ret is None
    assert not any(isinstance(e, IdentifierEvent) and e.kind in ("imei", "imsi", "iccid", "serial") for e in session.events)
    # The SIM record reaches the app with its ICCID blanked, no exception; ro.serialno reads "".
    assert [e.ret for e in by_api(calls, "android.telephony.SubscriptionInfo.getIccId")] == [""]
    assert [e.ret for e in by_api(calls, "android.os.SystemProperties.get")] == [""]


def test_privileged_reads_return_identifiers_and_every_new_target_is_recorded(classpath):
    app, calls, session = run_app(classpath, privileged=True)
    assert not any(line.startswith("LAB:THROWN getImei") for line in app.lines)
    counts = app.values("COUNT")
    profile_imei = "356938035643809"
    assert [e.ret for e in by_api(calls, TM + "getImei")] == [profile_imei]
    assert all(e.exception is None for e in by_api(calls, TM + "getImei"))
    # ContentResolver.query 5-arg -> 6-arg -> Bundle form: two app queries, two records.
    queries = by_api(calls, "android.content.ContentResolver.query")
    assert sum(e.count for e in queries) == int(counts["android.content.ContentResolver.query"]) == 2
    assert {e.kind for e in queries} == {"contacts", "oaid"}  # vivo's OAID provider
    for api in ("android.telephony.SubscriptionInfo.getIccId", "android.telephony.SubscriptionInfo.getNumber",
                "android.telephony.SubscriptionManager.getActiveSubscriptionInfoList",
                "android.hardware.camera2.CameraManager.openCamera", "android.media.MediaRecorder.setAudioSource",
                "android.media.MediaRecorder.start", "com.bun.miitmdid.pojo.IdSupplierImpl.getOAID",
                "com.huawei.hms.ads.identifier.AdvertisingIdClient$Info.getId", "com.android.id.impl.IdProviderImpl.getOAID"):
        assert total(calls, api) == int(counts[api]) == 1, api
    assert [e.ret for e in by_api(calls, "android.os.SystemProperties.get")] == ["LAB8X2K9Q7"]
    idents = {(e.kind, e.value) for e in session.events if isinstance(e, IdentifierEvent)}
    assert {("imei", profile_imei), ("iccid", "89860012345678901234"), ("serial", "LAB8X2K9Q7"),
            ("oaid", "5b7c2d1e-8f3a-4c6b-9d2e-1a0f7e6c5b4a")} <= idents
    assert total(calls, "java.net.NetworkInterface.getInetAddresses") >= 1
    # Probing: 4 lookups of 3 distinct packages, one not installed (recorded with its exception).
    probes = by_api(calls, "android.app.ApplicationPackageManager.getPackageInfo")
    assert sum(e.count for e in probes) == int(counts["android.app.ApplicationPackageManager.getPackageInfo"]) == 4
    assert packages_probed(calls)[""] == {"com.tencent.mm", "com.eg.android.AlipayGphone", "com.example.notinstalled", "com.sina.weibo"}
    missing = [e for e in probes if e.args[0] == "com.example.notinstalled"]
    assert missing[0].exception.startswith("android.content.pm.PackageManager$NameNotFoundException")
