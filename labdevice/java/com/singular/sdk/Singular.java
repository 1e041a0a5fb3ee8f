package com.singular.sdk;

import android.content.Context;
import android.provider.Settings;
import labdevice.DeviceIds;
import labdevice.Http;

/** Singular-like attribution: identifiers in the query string. */
public final class Singular {
    private Singular() {}

    public static boolean init(Context context, SingularConfig config) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.get("https://sdk-api-v1.singular.net/api/v1/start?a=" + config.apiKey + "&aifa=" + DeviceIds.aaid(context) + "&andi=" + androidId);
        return true;
    }
}
