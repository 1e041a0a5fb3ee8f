package com.labshop.common;

import android.util.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.CertificatePinner;

/**
 * The lab apps' HTTP client: plain HttpURLConnection (the phone's global proxy and CA store
 * apply). Every outcome is one logcat line: tag HTTP "200 POST url", tag HTTP_FAILED
 * "url reason" or tag PIN_FAILED "host reason".
 */
public final class Net {
    private static final int TIMEOUT_MS = 8000;
    private static final String USER_AGENT = "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 6 Build/TQ3A.230805.001)";

    private Net() {}

    public static int get(String url) { return send("GET", url, null, null, null, null); }

    public static int post(String url, String contentType, String body) {
        return send("POST", url, contentType, body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    public static int post(String url, String contentType, byte[] body) { return send("POST", url, contentType, body, null, null); }

    /** A request checked by an app-level pinner and/or the app's own TLS context. */
    public static int send(String method, String url, String contentType, byte[] body, CertificatePinner pinner, SSLContext tls) {
        HttpURLConnection conn = null;
        try {
            URL target = new URL(url);
            conn = (HttpURLConnection) target.openConnection();
            conn.setConnectTimeout(TIMEOUT_MS);
            conn.setReadTimeout(TIMEOUT_MS);
            conn.setRequestMethod(method);
            conn.setRequestProperty("User-Agent", USER_AGENT);
            if (tls != null && conn instanceof HttpsURLConnection) ((HttpsURLConnection) conn).setSSLSocketFactory(tls.getSocketFactory());
            if (body != null) {
                conn.setDoOutput(true);
                conn.setFixedLengthStreamingMode(body.length);
                if (contentType != null) conn.setRequestProperty("Content-Type", contentType);
            }
            conn.connect();
            if (pinner != null && conn instanceof HttpsURLConnection) {
                List<Certificate> chain = Arrays.asList(((HttpsURLConnection) conn).getServerCertificates());
                pinner.check(target.getHost(), chain);
            }
            if (body != null) {
                try (OutputStream out = conn.getOutputStream()) { out.write(body); }
            }
            int status = conn.getResponseCode();
            drain(status >= 400 ? conn.getErrorStream() : conn.getInputStream());
            Log.i("HTTP", status + " " + method + " " + url);
            return status;
        } catch (SSLPeerUnverifiedException e) {
            Log.w("PIN_FAILED", host(url) + " " + oneLine(e));
            return -1;
        } catch (IOException | RuntimeException e) {
            String reason = oneLine(e);
            boolean trustRejected = reason.contains("PKIX") || reason.contains("certificate_unknown") || reason.contains("not trusted");
            if (tls != null && trustRejected) Log.w("PIN_FAILED", host(url) + " " + reason);
            else Log.w("HTTP_FAILED", url + " " + reason);
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

    private static String host(String url) {
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
