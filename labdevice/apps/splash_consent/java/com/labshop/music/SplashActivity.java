package com.labshop.music;

import android.app.Activity;
import android.content.Intent;
import android.graphics.Color;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.view.Gravity;
import android.widget.TextView;

/** A 1.5 s splash screen, then the main screen (which asks for consent on a screen of its own). */
public final class SplashActivity extends Activity {
    static final long SPLASH_MS = 1500;

    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView logo = new TextView(this);
        logo.setText("♪ 音乐");
        logo.setTextSize(36);
        logo.setGravity(Gravity.CENTER);
        logo.setBackgroundColor(Color.rgb(0x20, 0x21, 0x24));
        logo.setTextColor(Color.WHITE);
        setContentView(logo);
        new Handler(Looper.getMainLooper()).postDelayed(() -> {
            startActivity(new Intent(this, MainActivity.class));
            finish();
        }, SPLASH_MS);
    }
}
