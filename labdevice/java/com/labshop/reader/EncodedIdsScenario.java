package com.labshop.reader;

import android.app.Application;
import com.sensorsdata.analytics.android.sdk.SAConfigOptions;
import com.sensorsdata.analytics.android.sdk.SensorsDataAPI;
import com.tendcloud.tenddata.TCAgent;
import labdevice.LabScenario;
import labdevice.LabSession;

/** TalkingData- and Sensors-Data-like SDKs send hashed, base64 and gzip'd identifiers before consent. */
public final class EncodedIdsScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.reader"; }

    @Override public Application createApplication() { return new ReaderApplication(); }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (!choice.equals("none")) s.storeConsent(choice.equals("accept"));
    }

    public static final class ReaderApplication extends Application {
        @Override public void onCreate() {
            super.onCreate();
            TCAgent.init(this, "A1B2C3D4E5F6478899AABBCCDDEEFF00", "labstore");
            SensorsDataAPI.startWithConfigOptions(this, new SAConfigOptions("https://sdk-ingest.sensorsdata.cn/sa?project=default"));
            SensorsDataAPI.sharedInstance().track("$AppStart");
        }
    }
}
