package com.sensorsdata.analytics.android.sdk;

public final class SAConfigOptions {
    final String serverUrl;

    public SAConfigOptions(String serverUrl) { this.serverUrl = serverUrl; }
}
