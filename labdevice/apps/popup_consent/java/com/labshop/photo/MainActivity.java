package com.labshop.photo;

import android.graphics.Color;
import android.view.Gravity;
import android.view.ViewGroup;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.PopupWindow;
import android.widget.TextView;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.labshop.common.ShopActivity;

/** The consent asked in a PopupWindow at the bottom of the screen: 拒绝 / 同意. */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "相册"; }

    @Override protected void onAppStart() {
        super.onAppStart();
        FirebaseAnalytics.getInstance(getApplication()).setAnalyticsCollectionEnabled(false);
    }

    @Override protected void showPrivacyDialog() {
        // a popup needs its parent's window: show it once the activity's window is up
        getWindow().getDecorView().post(this::showPopup);
    }

    private void showPopup() {
        LinearLayout sheet = new LinearLayout(this);
        sheet.setOrientation(LinearLayout.VERTICAL);
        sheet.setPadding(48, 48, 48, 48);
        sheet.setBackgroundColor(Color.WHITE);
        TextView text = new TextView(this);
        text.setText("相册需要访问您的照片与设备信息，详见《隐私政策》。");
        sheet.addView(text);
        LinearLayout row = new LinearLayout(this);
        row.setOrientation(LinearLayout.HORIZONTAL);
        Button refuse = new Button(this);
        refuse.setText("拒绝");
        Button accept = new Button(this);
        accept.setText("同意");
        row.addView(refuse, new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        row.addView(accept, new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        sheet.addView(row);
        PopupWindow popup = new PopupWindow(sheet, ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT, false);
        refuse.setOnClickListener(v -> { popup.dismiss(); decide(false); });
        accept.setOnClickListener(v -> { popup.dismiss(); decide(true); });
        popup.showAtLocation(getWindow().getDecorView(), Gravity.BOTTOM, 0, 0);
    }

    @Override protected void onConsentResult(boolean granted) {
        FirebaseAnalytics analytics = FirebaseAnalytics.getInstance(getApplication());
        analytics.setAnalyticsCollectionEnabled(granted);
        if (granted) analytics.logEvent("app_open", null);
    }
}
