package com.labshop.game;

import android.app.Application;
import com.bytedance.sdk.openadsdk.TTAdConfig;
import com.bytedance.sdk.openadsdk.TTAdSdk;
import com.qq.e.comm.managers.GDTAdSdk;
import labdevice.LabScenario;
import labdevice.LabSession;

/** Ad SDKs AES-encrypt IMEI and OAID before sending: only the crypto hooks can tell. */
public final class EncryptedPayloadScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.game"; }

    @Override public Application createApplication() { return new GameApplication(); }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (!choice.equals("none")) s.storeConsent(choice.equals("accept"));
    }

    public static final class GameApplication extends Application {
        @Override public void onCreate() {
            super.onCreate();
            TTAdSdk.init(this, new TTAdConfig.Builder().appId("5001121").build());
            GDTAdSdk.init(this, "1101152570");
        }
    }
}
