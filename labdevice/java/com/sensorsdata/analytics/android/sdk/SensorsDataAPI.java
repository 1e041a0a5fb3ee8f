package com.sensorsdata.analytics.android.sdk;

import android.content.Context;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import android.util.Base64;
import labdevice.Codec;
import labdevice.Http;

/** Sensors-Data-like analytics: events are gzip'd JSON, base64'd into the data_list form field. */
public final class SensorsDataAPI {
    private static volatile SensorsDataAPI instance;
    private final Context context;
    private final String serverUrl;

    private SensorsDataAPI(Context context, String serverUrl) {
        this.context = context;
        this.serverUrl = serverUrl;
    }

    public static void startWithConfigOptions(Context context, SAConfigOptions options) {
        instance = new SensorsDataAPI(context, options.serverUrl);
    }

    public static SensorsDataAPI sharedInstance() { return instance; }

    public void track(String eventName) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        TelephonyManager tm = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        String events = "[{\"event\":" + Codec.q(eventName) + ",\"distinct_id\":" + Codec.q(androidId)
            + ",\"properties\":{\"$device_id\":" + Codec.q(androidId) + ",\"$carrier\":" + Codec.q(tm.getNetworkOperatorName())
            + ",\"imei\":" + Codec.q(tm.getImei()) + "}}]";
        String dataList = Base64.encodeToString(Codec.gzip(events), Base64.NO_WRAP);
        Http.post(serverUrl, "application/x-www-form-urlencoded", Codec.form("crc", "0", "gzip", "1", "data_list", dataList));
    }
}
