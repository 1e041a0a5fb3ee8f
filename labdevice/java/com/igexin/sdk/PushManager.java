package com.igexin.sdk;

import android.content.Context;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import labdevice.Codec;
import labdevice.Http;

/** Getui-like push SDK: registers with IMSI and Android ID. */
public final class PushManager {
    private static final PushManager INSTANCE = new PushManager();

    private PushManager() {}

    public static PushManager getInstance() { return INSTANCE; }

    public void initialize(Context context) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.post("https://sdk.open.phone.igexin.com/api.php", "application/x-www-form-urlencoded",
            Codec.form("action", "register", "imsi", tm.getSubscriberId(), "aid", androidId));
    }
}
