package com.qq.e.comm.managers;

import android.content.Context;
import android.telephony.TelephonyManager;
import android.util.Base64;
import java.nio.charset.StandardCharsets;
import labdevice.Codec;
import labdevice.DeviceIds;
import labdevice.Http;

/** GDT-like (Tencent ads) SDK: an encrypted device blob in a form field. */
public final class GDTAdSdk {
    static final byte[] KEY = "gdt-lab-aes-key!".getBytes(StandardCharsets.US_ASCII);

    private GDTAdSdk() {}

    public static void init(Context context, String appId) {
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String plain = "{\"imei\":" + Codec.q(tm.getDeviceId()) + ",\"oaid\":" + Codec.q(DeviceIds.oaid(context)) + "}";
        String ext = Base64.encodeToString(Codec.aesCbc(KEY, plain), Base64.NO_WRAP);
        Http.post("https://mi.gdt.qq.com/gdt_mview.fcg", "application/x-www-form-urlencoded", Codec.form("appid", appId, "ext", ext));
    }
}
