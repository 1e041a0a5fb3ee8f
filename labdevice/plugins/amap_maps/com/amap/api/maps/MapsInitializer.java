package com.amap.api.maps;

import android.content.Context;
import android.telephony.TelephonyManager;
import labdevice.Codec;

/**
 * AMap-like 3D map SDK, shipped as a plugin the app loads at run time through its own class
 * loader (like a dynamic feature or a hot-fix patch): it is not on the app's class path, so
 * nothing can find it at start-up. initialize() registers the device with its IMEI whether or
 * not the privacy flags were set, over the SDK's own client, pinned to the vendor's key.
 */
public final class MapsInitializer {
    static final String CONFIG_URL = "https://restapi.amap.com/v3/config/district";
    private static volatile boolean privacyShown;
    private static volatile boolean privacyAgreed;

    private MapsInitializer() {}

    public static void updatePrivacyShow(Context context, boolean isContains, boolean isShow) { privacyShown = isContains && isShow; }

    public static void updatePrivacyAgree(Context context, boolean isAgree) { privacyAgreed = isAgree; }

    public static boolean isPrivacyAgreed() { return privacyAgreed; }

    public static void initialize(Context context) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String imei = tm.getImei();
        SdkHttp.post(CONFIG_URL, "application/x-www-form-urlencoded",
            Codec.form("key", "lab0amap0maps", "imei", imei, "privacy_shown", String.valueOf(privacyShown), "sdk", "3dmap"));
    }
}
