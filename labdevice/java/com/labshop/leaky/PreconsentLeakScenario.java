package com.labshop.leaky;

import android.app.Application;
import com.tencent.bugly.crashreport.CrashReport;
import com.umeng.commonsdk.UMConfigure;
import labdevice.LabScenario;
import labdevice.LabSession;

/** Initialises Umeng and Bugly in Application.onCreate, before the privacy dialog exists. */
public final class PreconsentLeakScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.leaky"; }

    @Override public Application createApplication() { return new LeakyApplication(); }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        s.storeConsent(choice.equals("accept"));
        UMConfigure.submitPolicyGrantResult(s.app, choice.equals("accept"));
    }

    public static final class LeakyApplication extends Application {
        @Override public void onCreate() {
            super.onCreate();
            UMConfigure.init(this, "60a1b2c3d4e5f6a7b8c9d0e1", "huawei", UMConfigure.DEVICE_TYPE_PHONE, "");
            CrashReport.initCrashReport(this, "b1a2c3d4e5", false);
        }
    }
}
