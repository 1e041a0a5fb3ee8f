package com.tendcloud.tenddata;

import android.content.Context;
import android.net.wifi.WifiManager;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import android.util.Base64;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import labdevice.Codec;
import labdevice.Http;

/** TalkingData-like analytics: hashed and base64'd identifiers as form fields. */
public final class TCAgent {
    private TCAgent() {}

    public static void init(Context context, String appId, String channel) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        WifiManager wifi = (WifiManager) context.getSystemService(Context.WIFI_SERVICE);
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        String mac = wifi.getConnectionInfo().getMacAddress();
        Http.post("https://tdcv3.talkingdata.net/g/d", "application/x-www-form-urlencoded", Codec.form(
            "appkey", appId,
            "channel", channel,
            "tdid", Codec.sha256Hex(tm.getImei()),
            "mid", Codec.md5Hex(androidId).toUpperCase(Locale.ROOT),
            "m", Base64.encodeToString(mac.getBytes(StandardCharsets.UTF_8), Base64.NO_WRAP)));
    }
}
