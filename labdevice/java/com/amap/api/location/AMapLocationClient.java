package com.amap.api.location;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import labdevice.Codec;
import labdevice.Http;

/**
 * AMap-like location client. The privacy flags are recorded but, like the SDK builds MIIT
 * notices name, startLocation() does not check them: the app must not call it without consent.
 */
public final class AMapLocationClient {
    private static volatile boolean privacyShown;
    private static volatile boolean privacyAgreed;
    private final Context context;

    public AMapLocationClient(Context context) { this.context = context; }

    public static void updatePrivacyShow(Context context, boolean isContains, boolean isShow) { privacyShown = isContains && isShow; }

    public static void updatePrivacyAgree(Context context, boolean isAgree) { privacyAgreed = isAgree; }

    public void startLocation() {
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        Location fix = lm.getLastKnownLocation(LocationManager.GPS_PROVIDER);
        Http.post("https://restapi.amap.com/v3/geocode/regeo", "application/x-www-form-urlencoded",
            Codec.form("key", "lab0amap0key", "location", fix.getLongitude() + "," + fix.getLatitude(),
                "lat", String.valueOf(fix.getLatitude()), "lng", String.valueOf(fix.getLongitude()), "coordsys", "gps"));
    }

    public void stopLocation() {}
}
