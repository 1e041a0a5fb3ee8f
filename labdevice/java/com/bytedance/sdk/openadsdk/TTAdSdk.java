package com.bytedance.sdk.openadsdk;

import android.content.Context;
import android.telephony.TelephonyManager;
import android.util.Base64;
import java.nio.charset.StandardCharsets;
import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** Pangle-like ad SDK: AES-encrypts a JSON with IMEI and OAID and sends it base64-encoded. */
public final class TTAdSdk {
    static final byte[] KEY = "pangle-lab-key-1".getBytes(StandardCharsets.US_ASCII);

    private TTAdSdk() {}

    public static void init(Context context, TTAdConfig config) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String plain = "{\"app_id\":" + Codec.q(config.getAppId()) + ",\"imei\":" + Codec.q(tm.getImei())
            + ",\"oaid\":" + Codec.q(DeviceIds.oaid(context)) + "}";
        String message = Base64.encodeToString(Codec.aesCbc(KEY, plain), Base64.NO_WRAP);
        Http.post("https://api-access.pangolin-sdk-toutiao.com/api/ad/union/sdk/settings/", "application/json",
            "{\"cypher\":3,\"message\":" + Codec.q(message) + "}");
    }
}
