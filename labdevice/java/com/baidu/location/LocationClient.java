package com.baidu.location;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import labdevice.Codec;
import labdevice.Http;

/** Baidu-location-like client: start() refuses to work until setAgreePrivacy(true). */
public final class LocationClient {
    private static volatile boolean agreed;
    private final Context context;

    public LocationClient(Context context) { this.context = context; }

    public static void setAgreePrivacy(boolean agree) { agreed = agree; }

    public void start() {
        if (!agreed) return;
        LocationManager lm = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        Location fix = lm.getLastKnownLocation(LocationManager.NETWORK_PROVIDER);
        Http.post("https://loc.map.baidu.com/sdk.php", "application/x-www-form-urlencoded",
            Codec.form("loc", fix.getLatitude() + "," + fix.getLongitude(), "coor", "bd09ll"));
    }
}
