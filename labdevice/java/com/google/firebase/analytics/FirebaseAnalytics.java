package com.google.firebase.analytics;

import android.content.Context;
import android.os.Bundle;
import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** Firebase-like analytics: logEvent uploads with the advertising ID unless collection is disabled. */
public final class FirebaseAnalytics {
    private static volatile FirebaseAnalytics instance;
    private final Context context;
    private volatile boolean collectionEnabled = true;

    private FirebaseAnalytics(Context context) { this.context = context; }

    public static synchronized FirebaseAnalytics getInstance(Context context) {
        if (instance == null) instance = new FirebaseAnalytics(context);
        return instance;
    }

    public void setAnalyticsCollectionEnabled(boolean enabled) { collectionEnabled = enabled; }

    public void logEvent(String name, Bundle params) {
        if (!collectionEnabled) return;
        Http.post("https://app-measurement.com/a", "application/json",
            "{\"en\":" + Codec.q(name) + ",\"adid\":" + Codec.q(DeviceIds.aaid(context)) + "}");
    }
}
