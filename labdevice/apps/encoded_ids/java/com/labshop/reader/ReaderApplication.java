package com.labshop.reader;

import android.app.Application;
import com.sensorsdata.analytics.android.sdk.SAConfigOptions;
import com.sensorsdata.analytics.android.sdk.SensorsDataAPI;
import com.tendcloud.tenddata.TCAgent;

/** TalkingData- and Sensors-Data-like SDKs send hashed, base64 and gzip'd identifiers before consent. */
public final class ReaderApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        TCAgent.init(this, "A1B2C3D4E5F6478899AABBCCDDEEFF00", "labstore");
        SensorsDataAPI.startWithConfigOptions(this, new SAConfigOptions("https://sdk-ingest.sensorsdata.cn/sa?project=default"));
        SensorsDataAPI.sharedInstance().track("$AppStart");
    }
}
