package com.appsflyer;

import android.content.Context;
import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** AppsFlyer-like attribution: the launch event carries the advertising ID. */
public final class AppsFlyerLib {
    private static final AppsFlyerLib INSTANCE = new AppsFlyerLib();
    private String devKey = "";

    private AppsFlyerLib() {}

    public static AppsFlyerLib getInstance() { return INSTANCE; }

    public AppsFlyerLib init(String devKey, Object conversionListener, Context context) {
        this.devKey = devKey;
        return this;
    }

    public void start(Context context) {
        Http.post("https://launches.appsflyer.com/api/v6.3/androidevent?app_id=" + context.getPackageName(), "application/json",
            "{\"devKey\":" + Codec.q(devKey) + ",\"advertiserId\":" + Codec.q(DeviceIds.aaid(context)) + ",\"eventName\":\"launch\"}");
    }
}
