"""Withdraw consent through the SDK consent APIs (the fallback when an app has no control).

The agent is kept inline (not a .js file) so it ships inside the Python package.
"""

from __future__ import annotations

from typing import Any

WITHDRAW_AGENT = r"""
// consentry withdraw agent: turns consent off through the SDKs' own consent APIs.
// The runner uses it for --consent withdraw-after=S when the app has no in-app control to
// withdraw consent: the same calls a well-behaved app makes when the user withdraws.
// SDKs missing from the app are reported as skipped, never as errors.

const SDK_CONSENT_OFF = [
  { sdk: 'umeng', cls: 'com.umeng.commonsdk.UMConfigure', method: 'submitPolicyGrantResult', args: ['context', false] },
  { sdk: 'jpush', cls: 'cn.jiguang.api.utils.JCollectionAuth', method: 'setAuth', args: ['context', false] },
  { sdk: 'amap', cls: 'com.amap.api.location.AMapLocationClient', method: 'updatePrivacyAgree', args: ['context', false] },
  { sdk: 'baidu-location', cls: 'com.baidu.location.LocationClient', method: 'setAgreePrivacy', args: [false] },
  { sdk: 'firebase', cls: 'com.google.firebase.analytics.FirebaseAnalytics', method: 'setAnalyticsCollectionEnabled',
    args: [false], instanceVia: 'getInstance' },
  { sdk: 'facebook', cls: 'com.facebook.FacebookSdk', method: 'setAutoInitEnabled', args: [false] },
];

function applicationContext() {
  let found = null;
  Java.choose('android.app.Application', {
    onMatch(instance) { found = instance; return 'stop'; },
    onComplete() {},
  });
  return found;
}

function callConsentOff(target, context) {
  let klass;
  try {
    klass = Java.use(target.cls);
  } catch (e) {
    return { sdk: target.sdk, called: false, reason: 'not in this app' };
  }
  const needsContext = target.args.includes('context') || target.instanceVia !== undefined;
  if (needsContext && context === null) return { sdk: target.sdk, called: false, reason: 'no Application instance' };
  try {
    const args = target.args.map((a) => (a === 'context' ? context : a));
    const receiver = target.instanceVia ? klass[target.instanceVia](context) : klass;
    receiver[target.method](...args);
    return { sdk: target.sdk, called: true };
  } catch (e) {
    return { sdk: target.sdk, called: false, reason: String(e.message || e) };
  }
}

rpc.exports = {
  withdrawConsent() {
    return new Promise((resolve) => {
      Java.perform(() => {
        const context = applicationContext();
        const results = SDK_CONSENT_OFF.map((t) => callConsentOff(t, context));
        resolve({ clicked: results.some((r) => r.called), results });
      });
    });
  },
};
"""


def withdraw_via_sdk_apis(frida_device, pid: int) -> dict[str, Any]:
    """Call every present SDK's consent-off API inside the app; {"clicked": bool, "results": [...]}."""
    from analyzer.hooks.bundle import java_bridge_path

    source = java_bridge_path().read_text(encoding="utf-8") + "\nglobalThis.Java = bridge;\n" + WITHDRAW_AGENT
    session = frida_device.attach(pid)
    try:
        script = session.create_script(source, name="consentry-withdraw")
        script.load()
        try:
            return script.exports_sync.withdraw_consent()
        finally:
            script.unload()
    finally:
        session.detach()
