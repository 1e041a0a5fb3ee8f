package com.labshop.video;

import android.app.Dialog;
import android.graphics.Color;
import android.view.Gravity;
import android.view.ViewGroup;
import android.widget.LinearLayout;
import android.widget.TextView;
import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

/**
 * A custom Dialog (not an AlertDialog): its own layout, two TextViews 不同意 / 同意 that act as
 * buttons. Umeng starts only after 同意.
 */
public final class MainActivity extends ShopActivity {
    static final String UMENG_KEY = "63c1d2e3f4a5b6c7d8e9f0a1";

    @Override protected String appTitle() { return "短视频"; }

    @Override protected void showPrivacyDialog() {
        Dialog dialog = new Dialog(this);
        dialog.setCancelable(false);
        LinearLayout box = new LinearLayout(this);
        box.setOrientation(LinearLayout.VERTICAL);
        box.setPadding(60, 60, 60, 30);
        TextView title = new TextView(this);
        title.setText("个人信息保护指引");
        title.setTextSize(20);
        title.setGravity(Gravity.CENTER_HORIZONTAL);
        box.addView(title);
        TextView body = new TextView(this);
        body.setText("为了向您推荐视频，我们会收集设备标识符。请阅读《用户协议》和《隐私政策》，点击同意即表示您已阅读并同意。");
        body.setPadding(0, 36, 0, 36);
        box.addView(body);
        LinearLayout row = new LinearLayout(this);
        row.setOrientation(LinearLayout.HORIZONTAL);
        row.addView(choice("不同意", Color.GRAY, () -> { dialog.dismiss(); decide(false); }),
                    new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        row.addView(choice("同意", 0xFFFF5722, () -> { dialog.dismiss(); decide(true); }),
                    new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        box.addView(row);
        dialog.setContentView(box);
        dialog.show();
    }

    private TextView choice(String text, int color, Runnable action) {
        TextView view = new TextView(this);
        view.setText(text);
        view.setTextSize(18);
        view.setTextColor(color);
        view.setGravity(Gravity.CENTER);
        view.setPadding(0, 36, 0, 36);
        view.setOnClickListener(v -> action.run());
        return view;
    }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
        if (granted) UMConfigure.init(getApplication(), UMENG_KEY, "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }
}
