package com.labshop.compliant;

import android.app.Application;
import cn.jiguang.api.utils.JCollectionAuth;
import cn.jpush.android.api.JPushInterface;
import com.amap.api.location.AMapLocationClient;
import com.facebook.FacebookSdk;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.umeng.commonsdk.UMConfigure;
import labdevice.LabScenario;
import labdevice.LabSession;

/** Does it right: SDKs are only pre-initialised until the user taps 同意. */
public final class CompliantScenario extends LabScenario {
    static final String UMENG_KEY = "5f1a2b3c4d5e6f7a8b9c0d1e";

    @Override public String packageName() { return "com.labshop.compliant"; }

    @Override public Application createApplication() { return new CompliantApplication(); }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        boolean granted = choice.equals("accept");
        s.storeConsent(granted);
        UMConfigure.submitPolicyGrantResult(s.app, granted);
        JCollectionAuth.setAuth(s.app, granted);
        AMapLocationClient.updatePrivacyAgree(s.app, granted);
        FirebaseAnalytics.getInstance(s.app).setAnalyticsCollectionEnabled(granted);
        if (!granted) return;
        UMConfigure.init(s.app, UMENG_KEY, "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
        JPushInterface.init(s.app);
        new AMapLocationClient(s.app).startLocation();
        FirebaseAnalytics.getInstance(s.app).logEvent("app_open", null);
    }

    public static final class CompliantApplication extends Application {
        @Override public void onCreate() {
            super.onCreate();
            UMConfigure.preInit(this, UMENG_KEY, "labstore");
            AMapLocationClient.updatePrivacyShow(this, true, true);
            FacebookSdk.setAutoInitEnabled(false);
            FirebaseAnalytics.getInstance(this).setAnalyticsCollectionEnabled(false);
        }
    }
}
