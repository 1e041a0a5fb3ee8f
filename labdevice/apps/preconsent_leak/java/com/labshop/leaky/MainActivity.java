package com.labshop.leaky;

import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "泄露阅读"; }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
    }
}
