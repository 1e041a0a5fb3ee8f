package com.labshop.game;

import android.app.Application;
import com.bytedance.sdk.openadsdk.TTAdConfig;
import com.bytedance.sdk.openadsdk.TTAdSdk;
import com.qq.e.comm.managers.GDTAdSdk;

/** Ad SDKs AES-encrypt IMEI and OAID before sending: only the crypto hooks can tell. */
public final class GameApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        TTAdSdk.init(this, new TTAdConfig.Builder().appId("5001121").build());
        GDTAdSdk.init(this, "1101152570");
    }
}
