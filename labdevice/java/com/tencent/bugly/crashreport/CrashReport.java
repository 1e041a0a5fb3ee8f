package com.tencent.bugly.crashreport;

import android.content.Context;
import android.os.Build;
import android.provider.Settings;
import labdevice.Codec;
import labdevice.Http;

/** Bugly-like crash reporter: its start-up report goes over cleartext HTTP with the Android ID. */
public final class CrashReport {
    private CrashReport() {}

    public static void initCrashReport(Context context, String appId, boolean debug) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.post("http://android.bugly.qq.com/rqd/async?aid=" + appId, "application/json",
            "{\"deviceId\":" + Codec.q(androidId) + ",\"model\":" + Codec.q(Build.MODEL) + ",\"appId\":" + Codec.q(appId) + "}");
    }
}
