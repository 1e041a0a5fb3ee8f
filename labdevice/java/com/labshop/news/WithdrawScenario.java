package com.labshop.news;

import cn.jiguang.api.utils.JCollectionAuth;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.umeng.analytics.MobclickAgent;
import com.umeng.commonsdk.UMConfigure;
import labdevice.LabScenario;
import labdevice.LabSession;

/** Accept, then withdraw in settings: the app turns the SDK switches off, but Umeng events keep flowing. */
public final class WithdrawScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.news"; }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        boolean granted = choice.equals("accept");
        s.storeConsent(granted);
        UMConfigure.submitPolicyGrantResult(s.app, granted);
        if (!granted) return;
        UMConfigure.init(s.app, "61b2c3d4e5f6a7b8c9d0e1f2", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
        if (!s.offerWithdrawal()) return;
        s.storeConsent(false);
        UMConfigure.submitPolicyGrantResult(s.app, false);
        JCollectionAuth.setAuth(s.app, false);
        FirebaseAnalytics.getInstance(s.app).setAnalyticsCollectionEnabled(false);
        MobclickAgent.onEvent(s.app, "article_view");
    }
}
