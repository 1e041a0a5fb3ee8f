package com.labshop.maps;

import android.app.Application;
import com.amap.api.location.AMapLocationClient;
import labdevice.LabScenario;
import labdevice.LabSession;

/** Tells AMap the user refused, then starts location anyway. */
public final class RefusalIgnoredScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.maps"; }

    @Override public Application createApplication() { return new MapsApplication(); }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        boolean granted = choice.equals("accept");
        s.storeConsent(granted);
        AMapLocationClient.updatePrivacyAgree(s.app, granted);
        new AMapLocationClient(s.app).startLocation();
    }

    public static final class MapsApplication extends Application {
        @Override public void onCreate() {
            super.onCreate();
            AMapLocationClient.updatePrivacyShow(this, true, true);
        }
    }
}
