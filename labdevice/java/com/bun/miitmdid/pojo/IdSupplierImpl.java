package com.bun.miitmdid.pojo;

import com.bun.miitmdid.interfaces.IdSupplier;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** The concrete supplier the MSA helper hands its listener (MSA SDK 1.0.2x names it
 *  com.bun.miitmdid.pojo.IdSupplierImpl); hook getOAID here: interfaces cannot be hooked. */
public final class IdSupplierImpl implements IdSupplier {
    @Override public boolean isSupported() { return true; }

    @Override public String getOAID() {
        Calls.hit("com.bun.miitmdid.pojo.IdSupplierImpl.getOAID");
        return DeviceProfile.id("oaid");
    }

    @Override public String getVAID() { return ""; }

    @Override public String getAAID() { return ""; }
}
