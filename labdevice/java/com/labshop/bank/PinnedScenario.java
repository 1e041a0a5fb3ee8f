package com.labshop.bank;

import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import labdevice.Http;
import labdevice.Lab;
import labdevice.LabScenario;
import labdevice.LabSession;
import okhttp3.CertificatePinner;

/**
 * A banking app that pins its backend (OkHttp CertificatePinner) and talks to its payment
 * host through its own X509TrustManager. Through an intercepting proxy both fail unless the
 * hooks bypass them; each failure is a "LAB:PIN_FAILED <host> ..." line, never a crash.
 */
public final class PinnedScenario extends LabScenario {
    /** Used when no --pin is given: matches no key, as the proxy's key never would. */
    static final String UNMATCHABLE_PIN = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    static final String LOGIN_URL = "https://api.labshop.example/v1/login";
    static final String PAY_URL = "https://pay.labshop.example/v1/pay";

    @Override public String packageName() { return "com.labshop.bank"; }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        String choice = s.askConsent();
        if (!choice.equals("none")) s.storeConsent(choice.equals("accept"));
        CertificatePinner.Builder pins = new CertificatePinner.Builder();
        if (s.options.pins.isEmpty()) pins.add("api.labshop.example", UNMATCHABLE_PIN);
        for (String pin : s.options.pins) pins.add("api.labshop.example", pin);
        Http.send("POST", LOGIN_URL, "application/json", "{\"user\":\"demo\",\"otp\":\"493817\"}".getBytes(StandardCharsets.UTF_8), pins.build(), null);

        SSLContext tls = SSLContext.getInstance("TLS");
        TrustManager[] own = new TrustManager[] {new StrictTrustManager(s.options.labCaPath)};
        long started = System.nanoTime();
        tls.init(null, own, null);
        long initialized = System.nanoTime();
        Http.send("POST", PAY_URL, "application/json", "{\"amount\":\"9.99\"}".getBytes(StandardCharsets.UTF_8), null, tls);
        // What a hook on SSLContext.init costs the app's thread, and init to the answer.
        Lab.say("TIMING pay_tls_init " + (initialized - started) / 1000 + "us");
        Lab.say("TIMING pay_total " + (System.nanoTime() - started) / 1000 + "us");
    }
}
