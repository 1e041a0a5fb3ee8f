package com.labshop.shop;

import android.provider.Settings;
import com.appsflyer.AppsFlyerLib;
import io.branch.referral.Branch;
import labdevice.Codec;
import labdevice.Http;
import labdevice.LabScenario;
import labdevice.LabSession;

/** After consent the Android ID goes to the app's own backend (first party) and to Branch (third party). */
public final class PartySplitScenario extends LabScenario {
    @Override public String packageName() { return "com.labshop.shop"; }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        s.storeConsent(choice.equals("accept"));
        if (!choice.equals("accept")) return;
        String androidId = Settings.Secure.getString(s.app.getContentResolver(), Settings.Secure.ANDROID_ID);
        Http.post("https://api.labshop.example/v1/device", "application/json", "{\"android_id\":" + Codec.q(androidId) + "}");
        Branch.getAutoInstance(s.app).initSession();
        AppsFlyerLib.getInstance().init("labDevKey123", null, s.app).start(s.app);
    }
}
