package com.labshop.common;

import android.app.Activity;
import android.os.Bundle;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;

/** 隐私设置: the screen with 撤回同意, where a user withdraws the consent given earlier. */
public class PrivacySettingsActivity extends Activity {
    public static final String ENTRY = "隐私设置";
    public static final String WITHDRAW = "撤回同意";
    static volatile Runnable onWithdraw;

    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        LinearLayout page = new LinearLayout(this);
        page.setOrientation(LinearLayout.VERTICAL);
        page.setPadding(48, 96, 48, 48);
        TextView title = new TextView(this);
        title.setText(ENTRY);
        title.setTextSize(22);
        page.addView(title);
        TextView status = new TextView(this);
        status.setText(Privacy.granted(this) ? "您已同意《隐私政策》" : "您未同意《隐私政策》");
        status.setPadding(0, 36, 0, 36);
        page.addView(status);
        Button withdraw = new Button(this);
        withdraw.setText(WITHDRAW);
        withdraw.setOnClickListener(v -> {
            Privacy.withdraw(this);
            status.setText("已撤回同意");
            withdraw.setEnabled(false);
            Runnable action = onWithdraw;
            if (action != null) action.run();
        });
        page.addView(withdraw);
        setContentView(page);
    }
}
