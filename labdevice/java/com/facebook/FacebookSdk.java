package com.facebook;

import android.content.Context;
import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** Facebook-like SDK: the install event with advertiser_id, unless auto-init was turned off. */
public final class FacebookSdk {
    private static volatile boolean autoInitEnabled = true;

    private FacebookSdk() {}

    public static void setAutoInitEnabled(boolean enabled) { autoInitEnabled = enabled; }

    public static boolean getAutoInitEnabled() { return autoInitEnabled; }

    public static void sdkInitialize(Context context) {
        if (!autoInitEnabled) return;
        Http.post("https://graph.facebook.com/v16.0/1234567890/activities", "application/x-www-form-urlencoded",
            Codec.form("event", "MOBILE_APP_INSTALL", "advertiser_id", DeviceIds.aaid(context), "application_tracking_enabled", "1"));
    }
}
