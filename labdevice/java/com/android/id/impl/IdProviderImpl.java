package com.android.id.impl;

import android.content.Context;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Xiaomi's system OAID provider (MIUI), which SDKs reach by reflection. */
public class IdProviderImpl {
    public String getOAID(Context context) {
        Calls.hit("com.android.id.impl.IdProviderImpl.getOAID");
        return DeviceProfile.id("oaid");
    }

    public String getVAID(Context context) { return ""; }
    public String getAAID(Context context) { return ""; }
}
