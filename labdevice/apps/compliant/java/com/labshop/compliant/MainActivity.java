package com.labshop.compliant;

import cn.jiguang.api.utils.JCollectionAuth;
import cn.jpush.android.api.JPushInterface;
import com.amap.api.location.AMapLocationClient;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "合规商城"; }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
        JCollectionAuth.setAuth(getApplication(), granted);
        AMapLocationClient.updatePrivacyAgree(getApplication(), granted);
        FirebaseAnalytics.getInstance(getApplication()).setAnalyticsCollectionEnabled(granted);
        if (!granted) return;
        UMConfigure.init(getApplication(), CompliantApplication.UMENG_KEY, "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
        JPushInterface.init(getApplication());
        new AMapLocationClient(getApplication()).startLocation();
        FirebaseAnalytics.getInstance(getApplication()).logEvent("app_open", null);
    }
}
