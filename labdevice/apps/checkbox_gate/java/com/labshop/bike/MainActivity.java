package com.labshop.bike;

import android.app.AlertDialog;
import android.widget.Button;
import android.widget.CheckBox;
import android.widget.LinearLayout;
import android.widget.TextView;
import cn.jiguang.api.utils.JCollectionAuth;
import cn.jpush.android.api.JPushInterface;
import com.labshop.common.ShopActivity;

/**
 * The accept button stays disabled until "我已阅读并同意《隐私政策》" is ticked: a driver that
 * taps 同意 first gets nothing. JPush starts only after the user agreed.
 */
public final class MainActivity extends ShopActivity {
    public static final String CHECKBOX = "我已阅读并同意《隐私政策》";

    @Override protected String appTitle() { return "共享单车"; }

    @Override protected void showPrivacyDialog() {
        LinearLayout content = new LinearLayout(this);
        content.setOrientation(LinearLayout.VERTICAL);
        content.setPadding(60, 60, 60, 30);
        TextView title = new TextView(this);
        title.setText("隐私政策");
        title.setTextSize(20);
        content.addView(title);
        TextView body = new TextView(this);
        body.setText("骑行需要获取您的位置信息与设备信息。");
        body.setPadding(0, 30, 0, 30);
        content.addView(body);
        CheckBox agree = new CheckBox(this);
        agree.setText(CHECKBOX);
        content.addView(agree);
        Button accept = new Button(this);
        accept.setText("同意");
        accept.setEnabled(false);
        Button refuse = new Button(this);
        refuse.setText("不同意");
        content.addView(accept);
        content.addView(refuse);
        AlertDialog dialog = new AlertDialog.Builder(this).setView(content).setCancelable(false).create();
        agree.setOnCheckedChangeListener((box, checked) -> accept.setEnabled(checked));
        accept.setOnClickListener(v -> { dialog.dismiss(); decide(true); });
        refuse.setOnClickListener(v -> { dialog.dismiss(); decide(false); });
        dialog.show();
    }

    @Override protected void onConsentResult(boolean granted) {
        JCollectionAuth.setAuth(getApplication(), granted);
        if (granted) JPushInterface.init(getApplication());
    }
}
