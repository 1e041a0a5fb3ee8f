package com.labshop.weather;

import android.location.LocationManager;
import android.content.Context;
import labdevice.Codec;
import labdevice.Http;
import labdevice.LabScenario;
import labdevice.LabSession;

/** A weather widget that polls the last known location every 10 ms, whatever the user said. */
public final class OverfrequencyScenario extends LabScenario {
    public static final int FOREGROUND_POLLS = 200;
    public static final int BACKGROUND_POLLS = 5;
    static final long POLL_INTERVAL_MS = 10;
    static final long BACKGROUND_DELAY_MS = 1500;

    @Override public String packageName() { return "com.labshop.weather"; }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (!choice.equals("none")) s.storeConsent(choice.equals("accept"));
        String lastFix = WeatherPoller.poll(s.app, FOREGROUND_POLLS);
        if (choice.equals("accept")) {
            Http.post("https://api.labshop.example/v1/weather", "application/x-www-form-urlencoded", Codec.form("loc", lastFix));
        }
    }

    /** Keeps polling well after onPause (past any activity-switch grace): collection while in the background. */
    @Override public void inBackground(LabSession s) throws Exception {
        Thread.sleep(BACKGROUND_DELAY_MS);
        WeatherPoller.poll(s.app, BACKGROUND_POLLS);
    }

    static final class WeatherPoller {
        private WeatherPoller() {}

        static String poll(Context context, int times) throws InterruptedException {
            LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
            String fix = "";
            for (int i = 0; i < times; i++) {
                android.location.Location loc = lm.getLastKnownLocation(LocationManager.GPS_PROVIDER);
                fix = loc.getLatitude() + "," + loc.getLongitude();
                Thread.sleep(POLL_INTERVAL_MS);
            }
            return fix;
        }
    }
}
