package com.labshop.bank;

import android.util.Log;
import com.labshop.common.Net;
import com.labshop.common.ShopActivity;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.CertificatePinner;

/**
 * A banking app that pins its backend (OkHttp CertificatePinner) and talks to its payment
 * host through its own X509TrustManager, after the privacy dialog (or, when the user ignores
 * the dialog, when the app goes to the background). Through an intercepting proxy both fail
 * unless the hooks bypass them; each failure is a PIN_FAILED log line, never a crash.
 * The pins and the bundled CA come from the device's provisioning (labdevice.pins / labdevice.lab_ca).
 */
public final class MainActivity extends ShopActivity {
    /** Used when no pin is provisioned: matches no key, as the proxy's key never would. */
    static final String UNMATCHABLE_PIN = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    static final String LOGIN_URL = "https://api.labshop.example/v1/login";
    static final String PAY_URL = "https://pay.labshop.example/v1/pay";
    private static final AtomicBoolean BANKED = new AtomicBoolean();

    @Override protected String appTitle() { return "实验银行"; }

    @Override protected void onConsentResult(boolean granted) { bankOnce(); }

    @Override protected void onBackgroundWork() { bankOnce(); }

    private void bankOnce() {
        if (!BANKED.compareAndSet(false, true)) return;
        try {
            bank();
        } catch (Exception e) {
            Log.e("BANK", "failed", e);
        }
    }

    private void bank() throws Exception {
        CertificatePinner.Builder pins = new CertificatePinner.Builder();
        String provisioned = System.getProperty("labdevice.pins", "");
        if (provisioned.isEmpty()) pins.add("api.labshop.example", UNMATCHABLE_PIN);
        for (String pin : provisioned.split(",")) {
            if (!pin.isEmpty()) pins.add("api.labshop.example", pin);
        }
        Net.send("POST", LOGIN_URL, "application/json", "{\"user\":\"demo\",\"otp\":\"493817\"}".getBytes(StandardCharsets.UTF_8), pins.build(), null);
        SSLContext tls = SSLContext.getInstance("TLS");
        TrustManager[] own = new TrustManager[] {new StrictTrustManager(System.getProperty("labdevice.lab_ca"))};
        long started = System.nanoTime();
        tls.init(null, own, null);
        long initialized = System.nanoTime();
        Net.send("POST", PAY_URL, "application/json", "{\"amount\":\"9.99\"}".getBytes(StandardCharsets.UTF_8), null, tls);
        // What a hook on SSLContext.init costs the app's thread, and init to the answer.
        Log.i("TIMING", "pay_tls_init " + (initialized - started) / 1000 + "us");
        Log.i("TIMING", "pay_total " + (System.nanoTime() - started) / 1000 + "us");
    }
}
