package com.umeng.commonsdk;

import android.content.Context;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import labdevice.Codec;
import labdevice.Http;

/** Umeng-like analytics core: init() reads IMEI and Android ID and reports them at once. */
public final class UMConfigure {
    public static final int DEVICE_TYPE_PHONE = 1;
    static final String LOG_URL = "https://ulogs.umeng.com/unify_logs";
    private static volatile boolean policyGranted;
    private static volatile String appKey = "";

    private UMConfigure() {}

    /** Allowed before consent: remembers the key, collects nothing. */
    public static void preInit(Context context, String appkey, String channel) { appKey = appkey; }

    public static void submitPolicyGrantResult(Context context, boolean granted) { policyGranted = granted; }

    public static boolean isPolicyGranted() { return policyGranted; }

    public static void init(Context context, String appkey, String channel, int deviceType, String pushSecret) {
        appKey = appkey;
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String imei = tm.getImei();
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        String body = "{\"header\":{\"appkey\":" + Codec.q(appkey) + ",\"channel\":" + Codec.q(channel)
            + ",\"imei_md5\":" + Codec.q(Codec.md5Hex(imei)) + ",\"android_id\":" + Codec.q(androidId)
            + ",\"os\":\"Android\"},\"content\":{\"event\":\"launch\"}}";
        Http.post(LOG_URL, "application/json", body);
    }

    static String appKey() { return appKey; }
}
