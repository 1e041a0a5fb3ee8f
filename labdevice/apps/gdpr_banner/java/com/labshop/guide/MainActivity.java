package com.labshop.guide;

import android.app.Dialog;
import android.content.Intent;
import android.graphics.Color;
import android.view.Gravity;
import android.view.ViewGroup;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;
import com.appsflyer.AppsFlyerLib;
import com.google.firebase.analytics.FirebaseAnalytics;
import com.labshop.common.ShopActivity;

/** An English GDPR-style consent banner at the bottom: Accept all / Reject all / Manage. */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "City Guide"; }

    @Override protected void onAppStart() {
        super.onAppStart();
        FirebaseAnalytics.getInstance(getApplication()).setAnalyticsCollectionEnabled(false);
    }

    @Override protected void showPrivacyDialog() {
        Dialog banner = new Dialog(this);
        banner.setCancelable(false);
        banner.getWindow().setGravity(Gravity.BOTTOM);
        banner.getWindow().setLayout(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT);
        LinearLayout box = new LinearLayout(this);
        box.setOrientation(LinearLayout.VERTICAL);
        box.setPadding(48, 48, 48, 36);
        TextView title = new TextView(this);
        title.setText("We value your privacy");
        title.setTextSize(20);
        box.addView(title);
        TextView body = new TextView(this);
        body.setText("We and our partners use cookies and device identifiers to measure and personalise content and ads. "
            + "You can accept all, reject all or manage your choices. See our Privacy Policy.");
        body.setTextColor(Color.DKGRAY);
        body.setPadding(0, 24, 0, 24);
        box.addView(body);
        LinearLayout row = new LinearLayout(this);
        row.setOrientation(LinearLayout.HORIZONTAL);
        row.addView(button("Manage", () -> { banner.dismiss(); startActivity(new Intent(this, ManageActivity.class)); }),
                    new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        row.addView(button("Reject all", () -> { banner.dismiss(); decide(false); }),
                    new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        row.addView(button("Accept all", () -> { banner.dismiss(); decide(true); }),
                    new LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, 1f));
        box.addView(row);
        banner.setContentView(box);
        banner.show();
    }

    private Button button(String text, Runnable action) {
        Button b = new Button(this);
        b.setText(text);
        b.setOnClickListener(v -> action.run());
        return b;
    }

    @Override protected void onConsentResult(boolean granted) {
        FirebaseAnalytics analytics = FirebaseAnalytics.getInstance(getApplication());
        analytics.setAnalyticsCollectionEnabled(granted);
        if (!granted) return;
        analytics.logEvent("app_open", null);
        AppsFlyerLib.getInstance().init("guideDevKey42", null, getApplication()).start(getApplication());
    }
}
