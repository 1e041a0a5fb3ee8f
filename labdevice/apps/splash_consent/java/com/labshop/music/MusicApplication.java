package com.labshop.music;

import android.app.Application;
import com.tencent.bugly.crashreport.CrashReport;

/** Bugly's crash reporter starts in Application.onCreate, before any consent screen. */
public final class MusicApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        CrashReport.initCrashReport(this, "c7d8e9f0a1", false);
    }
}
