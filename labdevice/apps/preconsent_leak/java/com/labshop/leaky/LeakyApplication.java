package com.labshop.leaky;

import android.app.Application;
import com.tencent.bugly.crashreport.CrashReport;
import com.umeng.commonsdk.UMConfigure;

/** Initialises Umeng and Bugly in Application.onCreate, before the privacy dialog exists. */
public final class LeakyApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        UMConfigure.init(this, "60a1b2c3d4e5f6a7b8c9d0e1", "huawei", UMConfigure.DEVICE_TYPE_PHONE, "");
        CrashReport.initCrashReport(this, "b1a2c3d4e5", false);
    }
}
