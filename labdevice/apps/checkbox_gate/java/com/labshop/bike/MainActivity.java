package com.labshop.bike;

import cn.jiguang.api.utils.JCollectionAuth;
import cn.jpush.android.api.JPushInterface;
import com.labshop.common.ShopActivity;

/**
 * The privacy dialog is a DialogFragment (PrivacyDialogFragment) whose 同意 button stays
 * disabled until "我已阅读并同意《隐私政策》" is ticked: a driver that taps 同意 first gets
 * nothing. JPush starts only after the user agreed.
 */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "共享单车"; }

    @Override protected void showPrivacyDialog() {
        PrivacyDialogFragment dialog = new PrivacyDialogFragment();
        dialog.setCancelable(false);
        dialog.show(getFragmentManager(), "privacy");
    }

    /** The fragment's answer. */
    void onPrivacyChoice(boolean granted) { decide(granted); }

    @Override protected void onConsentResult(boolean granted) {
        JCollectionAuth.setAuth(getApplication(), granted);
        if (granted) JPushInterface.init(getApplication());
    }
}
