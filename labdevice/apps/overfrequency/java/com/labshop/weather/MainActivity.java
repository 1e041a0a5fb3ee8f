package com.labshop.weather;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import com.labshop.common.Codec;
import com.labshop.common.Net;
import com.labshop.common.ShopActivity;

/**
 * A weather widget that polls the last known location every 10 ms from start-up, whatever
 * the user says, and 5 more times 1.5 s after it went to the background. The last fix goes
 * to its own backend only after 同意.
 */
public final class MainActivity extends ShopActivity {
    public static final int FOREGROUND_POLLS = 200;
    public static final int BACKGROUND_POLLS = 5;
    static final long POLL_INTERVAL_MS = 10;
    static final long BACKGROUND_DELAY_MS = 1500;
    private Thread poller;
    private volatile String lastFix = "";

    @Override protected String appTitle() { return "天气"; }

    @Override protected void onAppStart() {
        super.onAppStart();
        poller = new Thread(() -> lastFix = poll(this, FOREGROUND_POLLS), "weather-poller");
        poller.start();
    }

    @Override protected void onConsentResult(boolean granted) {
        try {
            poller.join();
        } catch (InterruptedException e) {
            return;
        }
        if (granted) Net.post("https://api.labshop.example/v1/weather", "application/x-www-form-urlencoded", Codec.form("loc", lastFix));
    }

    @Override protected void onBackgroundWork() {
        try {
            Thread.sleep(BACKGROUND_DELAY_MS);
        } catch (InterruptedException e) {
            return;
        }
        poll(this, BACKGROUND_POLLS);
    }

    static String poll(Context context, int times) {
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        String fix = "";
        for (int i = 0; i < times; i++) {
            Location loc = lm.getLastKnownLocation(LocationManager.GPS_PROVIDER);
            fix = loc.getLatitude() + "," + loc.getLongitude();
            try {
                Thread.sleep(POLL_INTERVAL_MS);
            } catch (InterruptedException e) {
                break;
            }
        }
        return fix;
    }
}
