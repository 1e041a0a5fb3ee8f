package io.branch.referral;

import android.content.Context;
import android.provider.Settings;
import labdevice.Codec;
import labdevice.Http;

/** Branch-like deep-link SDK: install call with the Android ID as hardware_id. */
public final class Branch {
    private static volatile Branch instance;
    private final Context context;

    private Branch(Context context) { this.context = context; }

    public static synchronized Branch getAutoInstance(Context context) {
        if (instance == null) instance = new Branch(context);
        return instance;
    }

    public void initSession() {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.post("https://api2.branch.io/v1/install", "application/json",
            "{\"hardware_id\":" + Codec.q(androidId) + ",\"is_hardware_id_real\":true}");
    }
}
