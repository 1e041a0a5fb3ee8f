package com.google.android.gms.ads.identifier;

import android.content.Context;
import labdevice.Calls;
import labdevice.DeviceProfile;

public final class AdvertisingIdClient {
    private AdvertisingIdClient() {}

    public static Info getAdvertisingIdInfo(Context context) {
        Calls.hit("com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo");
        return new Info(DeviceProfile.id("aaid"), false);
    }

    public static final class Info {
        private final String id;
        private final boolean limitAdTracking;

        public Info(String id, boolean limitAdTracking) {
            this.id = id;
            this.limitAdTracking = limitAdTracking;
        }

        public String getId() { return id; }

        public boolean isLimitAdTrackingEnabled() { return limitAdTracking; }
    }
}
