package com.hihonor.ads.identifier;

import android.content.Context;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Honor's OAID client (Honor phones after the split from Huawei); the id is a field. */
public final class AdvertisingIdClient {
    private AdvertisingIdClient() {}

    public static Info getAdvertisingIdInfo(Context context) {
        Calls.hit("com.hihonor.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo");
        Info info = new Info();
        info.id = DeviceProfile.id("oaid");
        return info;
    }

    public static final class Info {
        public String id;
        public boolean isLimit;

        @Override public String toString() { return id; }
    }
}
