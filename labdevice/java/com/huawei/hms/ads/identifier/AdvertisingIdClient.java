package com.huawei.hms.ads.identifier;

import android.content.Context;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Huawei HMS's OAID client (the MSA SDK delegates to it on Huawei phones). */
public final class AdvertisingIdClient {
    private AdvertisingIdClient() {}

    public static Info getAdvertisingIdInfo(Context context) {
        Calls.hit("com.huawei.hms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo");
        return new Info(DeviceProfile.id("oaid"), false);
    }

    public static final class Info {
        private final String id;
        private final boolean limitAdTracking;

        public Info(String id, boolean limitAdTracking) {
            this.id = id;
            this.limitAdTracking = limitAdTracking;
        }

        public String getId() {
            Calls.hit("com.huawei.hms.ads.identifier.AdvertisingIdClient$Info.getId");
            return id;
        }

        public boolean isLimitAdTrackingEnabled() { return limitAdTracking; }
    }
}
