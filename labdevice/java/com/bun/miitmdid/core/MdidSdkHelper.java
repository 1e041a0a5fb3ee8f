package com.bun.miitmdid.core;

import android.content.Context;
import com.bun.miitmdid.interfaces.IIdentifierListener;
import com.bun.miitmdid.pojo.IdSupplierImpl;

/** MSA (China's OAID alliance) SDK entry: answers synchronously with the supplier. */
public final class MdidSdkHelper {
    public static final int INIT_OK = 0;

    private MdidSdkHelper() {}

    public static int InitSdk(Context context, boolean isLogOn, IIdentifierListener listener) {
        listener.OnSupport(true, new IdSupplierImpl());
        return INIT_OK;
    }
}
