package com.adjust.sdk;

import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** Adjust-like attribution: a session package with gps_adid. */
public final class Adjust {
    private Adjust() {}

    public static void onCreate(AdjustConfig config) {
        Http.post("https://app.adjust.com/session", "application/x-www-form-urlencoded",
            Codec.form("app_token", config.appToken, "environment", config.environment, "gps_adid", DeviceIds.aaid(config.context)));
    }
}
