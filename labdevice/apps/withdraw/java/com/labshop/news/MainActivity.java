package com.labshop.news;

import cn.jiguang.api.utils.JCollectionAuth;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.labshop.common.ShopActivity;
import com.umeng.analytics.MobclickAgent;
import com.umeng.commonsdk.UMConfigure;

/** Accept, then withdraw in 隐私设置: the app turns the SDK switches off, but Umeng events keep flowing. */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "新闻资讯"; }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
        if (!granted) return;
        UMConfigure.init(getApplication(), "61b2c3d4e5f6a7b8c9d0e1f2", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }

    @Override protected void onConsentWithdrawn() {
        UMConfigure.submitPolicyGrantResult(getApplication(), false);
        JCollectionAuth.setAuth(getApplication(), false);
        FirebaseAnalytics.getInstance(getApplication()).setAnalyticsCollectionEnabled(false);
        MobclickAgent.onEvent(getApplication(), "article_view");
    }
}
