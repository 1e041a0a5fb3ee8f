package com.labshop.common;

import android.app.Activity;
import android.app.AlertDialog;
import android.content.DialogInterface;
import android.content.Intent;
import android.graphics.Color;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;

/**
 * The lab shop apps' main screen: a home page, the privacy dialog on first start (an
 * AlertDialog with 同意 / 不同意) and, once the user agreed, a 隐私设置 button leading to the
 * 撤回同意 screen. Subclasses say what the app does at start, after the choice, after a
 * withdrawal and in the background. The choice is kept in SharedPreferences (Privacy).
 */
public abstract class ShopActivity extends Activity {
    public static final String TITLE = "用户协议与隐私政策";
    public static final String MESSAGE = "我们会收集设备信息（IMEI、Android ID、位置）用于统计分析与推送。点击“同意”即表示您已阅读并同意《隐私政策》。";
    public static final String HOME_URL = "https://api.labshop.example/v1/home";
    private Button settingsButton;
    private boolean acted;

    /** On the main thread, before the privacy dialog (an app's own start-up work). */
    protected void onAppStart() { Net.get(HOME_URL); }

    /** On a worker thread, after the user chose (or at start when the choice is stored). */
    protected void onConsentResult(boolean granted) {}

    /** On a worker thread, after the user withdrew consent in the settings screen. */
    protected void onConsentWithdrawn() {}

    /** On a worker thread, once the app went to the background. */
    protected void onBackgroundWork() {}

    protected String appTitle() { return getClass().getSimpleName(); }

    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        LinearLayout home = new LinearLayout(this);
        home.setOrientation(LinearLayout.VERTICAL);
        home.setPadding(48, 96, 48, 48);
        TextView title = new TextView(this);
        title.setText(appTitle());
        title.setTextSize(24);
        home.addView(title);
        TextView feed = new TextView(this);
        feed.setText("今日推荐 · Today's picks");
        feed.setTextColor(Color.DKGRAY);
        feed.setPadding(0, 48, 0, 48);
        home.addView(feed);
        settingsButton = new Button(this);
        settingsButton.setText(PrivacySettingsActivity.ENTRY);
        settingsButton.setOnClickListener(v -> startActivity(new Intent(this, PrivacySettingsActivity.class)));
        settingsButton.setVisibility(View.GONE);
        home.addView(settingsButton);
        setContentView(home);
        PrivacySettingsActivity.onWithdraw = () -> work(this::onConsentWithdrawn);
        onAppStart();
        if (Privacy.decided(this)) actOnStoredChoice();
        else if (shouldAskNow()) showPrivacyDialog();
    }

    /** False for apps that ask only later (e.g. on a second launch). */
    protected boolean shouldAskNow() { return true; }

    @Override protected void onResume() {
        super.onResume();
        // a consent screen of its own (another activity) may have stored the choice meanwhile
        if (!acted && Privacy.decided(this)) actOnStoredChoice();
    }

    private void actOnStoredChoice() {
        acted = true;
        boolean granted = Privacy.granted(this);
        showSettings(granted);
        work(() -> onConsentResult(granted));
    }

    protected void showPrivacyDialog() {
        new AlertDialog.Builder(this)
            .setTitle(TITLE)
            .setMessage(MESSAGE)
            .setCancelable(false)
            .setPositiveButton("同意", (DialogInterface d, int which) -> decide(true))
            .setNegativeButton("不同意", (DialogInterface d, int which) -> decide(false))
            .show();
    }

    /** Stores the choice and acts on it (call on the main thread). */
    protected final void decide(boolean granted) {
        acted = true;
        Privacy.store(this, granted);
        showSettings(granted);
        work(() -> onConsentResult(granted));
    }

    private void showSettings(boolean granted) {
        settingsButton.setVisibility(granted ? View.VISIBLE : View.GONE);
    }

    @Override protected void onStop() {
        super.onStop();
        if (!isFinishing()) work(this::onBackgroundWork);
    }

    /** Runs app work off the main thread, as apps do with network and SDK calls. */
    protected static void work(Runnable task) {
        new Thread(task, "app-work").start();
    }
}
