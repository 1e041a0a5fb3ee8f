package cn.jpush.android.api;

import android.content.Context;
import android.net.wifi.WifiManager;
import android.telephony.TelephonyManager;
import cn.jiguang.api.utils.JCollectionAuth;
import labdevice.Codec;
import labdevice.Http;

/** JPush-like push SDK: registers with IMEI and Wi-Fi MAC, but only once JCollectionAuth allows it. */
public final class JPushInterface {
    private JPushInterface() {}

    public static void init(Context context) {
        if (!JCollectionAuth.getAuth(context)) return;
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        WifiManager wifi = (WifiManager) context.getSystemService(Context.WIFI_SERVICE);
        String body = "{\"imei\":" + Codec.q(tm.getDeviceId()) + ",\"mac\":" + Codec.q(wifi.getConnectionInfo().getMacAddress()) + "}";
        Http.post("https://stats.jpush.cn/v3/report", "application/json", body);
    }
}
