package com.amap.api.maps;

import com.squareup.okhttp.CertificatePinner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLPeerUnverifiedException;
import labdevice.Lab;

/**
 * The map SDK's own HTTP client: it pins its API host to the vendor's key with the OkHttp 2
 * pinner it bundles, through the varargs check(String, Certificate...), before it sends a
 * byte. Through an intercepting proxy that check fails unless the hooks bypass it. Outcomes
 * are the lab's usual LAB lines (HTTP, PIN_FAILED, HTTP_FAILED).
 */
final class SdkHttp {
    /** The vendor's key: never the proxy's. */
    static final String VENDOR_PIN = "sha256/YJGe9N1bNiQ9u53omX8AFEAiEfvLoPkoGjEavbnRhGQ=";
    private static final int TIMEOUT_MS = 8000;

    private SdkHttp() {}

    static int post(String url, String contentType, String body) {
        HttpURLConnection conn = null;
        try {
            URL target = new URL(url);
            CertificatePinner pinner = new CertificatePinner.Builder().add(target.getHost(), VENDOR_PIN).build();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            conn = (HttpURLConnection) target.openConnection();
            conn.setConnectTimeout(TIMEOUT_MS);
            conn.setReadTimeout(TIMEOUT_MS);
            conn.setRequestMethod("POST");
            conn.setDoOutput(true);
            conn.setFixedLengthStreamingMode(bytes.length);
            conn.setRequestProperty("Content-Type", contentType);
            conn.connect();
            if (conn instanceof HttpsURLConnection) pinner.check(target.getHost(), ((HttpsURLConnection) conn).getServerCertificates());
            try (OutputStream out = conn.getOutputStream()) { out.write(bytes); }
            int status = conn.getResponseCode();
            drain(status >= 400 ? conn.getErrorStream() : conn.getInputStream());
            Lab.say("HTTP " + status + " POST " + url);
            return status;
        } catch (SSLPeerUnverifiedException e) {
            Lab.say("PIN_FAILED " + hostOf(url) + " " + oneLine(e));
            return -1;
        } catch (IOException | RuntimeException e) {
            Lab.say("HTTP_FAILED " + url + " " + oneLine(e));
            return -1;
        } finally {
            if (conn != null) conn.disconnect();
        }
    }

    private static void drain(InputStream in) throws IOException {
        if (in == null) return;
        try (InputStream body = in) {
            body.transferTo(new ByteArrayOutputStream());
        }
    }

    private static String hostOf(String url) {
        try {
            return new URL(url).getHost();
        } catch (IOException e) {
            return url;
        }
    }

    private static String oneLine(Throwable e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' ').replace('\r', ' ');
    }
}
