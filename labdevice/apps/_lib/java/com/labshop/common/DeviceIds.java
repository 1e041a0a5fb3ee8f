package com.labshop.common;

import android.content.Context;
import com.bun.miitmdid.core.MdidSdkHelper;
import com.bun.miitmdid.interfaces.IIdentifierListener;
import com.bun.miitmdid.interfaces.IdSupplier;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;

/** How the apps obtain the advertising identifiers: OAID via the MSA helper, AAID via Play services. */
public final class DeviceIds {
    private DeviceIds() {}

    public static String oaid(Context context) {
        String[] holder = new String[1];
        MdidSdkHelper.InitSdk(context, false, new IIdentifierListener() {
            @Override public void OnSupport(boolean isSupport, IdSupplier supplier) {
                if (isSupport && supplier != null) holder[0] = supplier.getOAID();
            }
        });
        return holder[0];
    }

    public static String aaid(Context context) {
        return AdvertisingIdClient.getAdvertisingIdInfo(context).getId();
    }
}
