package com.bun.miitmdid.core;

import com.bun.miitmdid.interfaces.IdSupplier;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** The concrete supplier the MSA helper hands out (hook getOAID here: interfaces cannot be hooked). */
public final class IdSupplierImpl implements IdSupplier {
    @Override public boolean isSupported() { return true; }

    @Override public String getOAID() {
        Calls.hit("com.bun.miitmdid.core.IdSupplierImpl.getOAID");
        return DeviceProfile.id("oaid");
    }

    @Override public String getVAID() { return ""; }

    @Override public String getAAID() { return ""; }
}
