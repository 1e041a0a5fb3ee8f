package com.labshop.compliant;

import android.app.Application;
import com.amap.api.location.AMapLocationClient;
import com.facebook.FacebookSdk;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.umeng.commonsdk.UMConfigure;

/** Does it right: SDKs are only pre-initialised until the user taps 同意. */
public final class CompliantApplication extends Application {
    static final String UMENG_KEY = "5f1a2b3c4d5e6f7a8b9c0d1e";

    @Override public void onCreate() {
        super.onCreate();
        UMConfigure.preInit(this, UMENG_KEY, "labstore");
        AMapLocationClient.updatePrivacyShow(this, true, true);
        FacebookSdk.setAutoInitEnabled(false);
        FirebaseAnalytics.getInstance(this).setAnalyticsCollectionEnabled(false);
    }
}
