package com.labshop.music;

import android.content.Intent;
import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

/** Opens the full-screen ConsentActivity instead of a dialog; Umeng starts after 同意并继续. */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "音乐"; }

    @Override protected void showPrivacyDialog() { startActivity(new Intent(this, ConsentActivity.class)); }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
        if (granted) UMConfigure.init(getApplication(), "64d1e2f3a4b5c6d7e8f9a0b1", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }
}
