package com.labshop.shop;

import android.provider.Settings;
import com.appsflyer.AppsFlyerLib;
import com.labshop.common.Codec;
import com.labshop.common.Net;
import com.labshop.common.ShopActivity;
import io.branch.referral.Branch;

/** After consent the Android ID goes to the app's own backend (first party) and to Branch (third party). */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "好物商城"; }

    @Override protected void onConsentResult(boolean granted) {
        if (!granted) return;
        String androidId = Settings.Secure.getString(getContentResolver(), Settings.Secure.ANDROID_ID);
        Net.post("https://api.labshop.example/v1/device", "application/json", "{\"android_id\":" + Codec.q(androidId) + "}");
        Branch.getAutoInstance(getApplication()).initSession();
        AppsFlyerLib.getInstance().init("labDevKey123", null, getApplication()).start(getApplication());
    }
}
