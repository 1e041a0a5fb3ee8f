package com.adjust.sdk;

import android.content.Context;

public final class AdjustConfig {
    public static final String ENVIRONMENT_SANDBOX = "sandbox";
    final Context context;
    final String appToken;
    final String environment;

    public AdjustConfig(Context context, String appToken, String environment) {
        this.context = context;
        this.appToken = appToken;
        this.environment = environment;
    }
}
