package com.labshop.food;

import android.app.AlertDialog;
import android.util.Log;
import com.amap.api.location.AMapLocationClient;
import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

/**
 * 不同意 brings a second dialog: 仍不同意 (the app closes) or 仅浏览 (browse-only mode, the
 * refusal is stored). In browse-only mode the app still starts AMap location: a
 * post-refusal transmission.
 */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "外卖"; }

    @Override protected void showPrivacyDialog() {
        new AlertDialog.Builder(this)
            .setTitle("温馨提示")
            .setMessage("为向您提供外卖配送服务，我们需要收集您的位置信息。请阅读并同意《隐私政策》。")
            .setCancelable(false)
            .setPositiveButton("同意", (d, which) -> decide(true))
            .setNegativeButton("不同意", (d, which) -> askAgain())
            .show();
    }

    private void askAgain() {
        new AlertDialog.Builder(this)
            .setTitle("您需要同意《隐私政策》才能使用完整服务")
            .setMessage("若不同意，您可以选择仅浏览模式，我们将不会收集您的个人信息。")
            .setCancelable(false)
            .setPositiveButton("仅浏览", (d, which) -> {
                Log.i("MODE", "browse-only");
                decide(false);
            })
            .setNegativeButton("仍不同意", (d, which) -> {
                Log.i("MODE", "exit");
                finish();  // first: the worker that acts on the refusal sees the app closing
                decide(false);
            })
            .show();
    }

    @Override protected void onConsentResult(boolean granted) {
        AMapLocationClient.updatePrivacyAgree(getApplication(), granted);
        if (isFinishing()) return;
        new AMapLocationClient(getApplication()).startLocation();
        if (granted) UMConfigure.init(getApplication(), "65e1f2a3b4c5d6e7f8a9b0c1", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }
}
