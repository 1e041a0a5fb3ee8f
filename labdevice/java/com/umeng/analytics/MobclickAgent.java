package com.umeng.analytics;

import android.content.Context;
import android.provider.Settings;
import labdevice.Codec;
import labdevice.Http;

/** Umeng-like event reporting; every event carries the Android ID. */
public final class MobclickAgent {
    private MobclickAgent() {}

    public static void onEvent(Context context, String eventId) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.post("https://ulogs.umeng.com/unify_logs", "application/json",
            "{\"header\":{\"android_id\":" + Codec.q(androidId) + "},\"content\":{\"event\":" + Codec.q(eventId) + "}}");
    }
}
