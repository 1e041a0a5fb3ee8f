package labdevice;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.CertificatePinner;

/**
 * The lab apps' HTTP client: plain HttpURLConnection, so the JVM's proxy settings (the
 * analog of the phone's global proxy) and trust store apply. Every outcome is one LAB line:
 * "HTTP <status> <METHOD> <url>", "HTTP_FAILED <url> <reason>" or "PIN_FAILED <host> <reason>".
 */
public final class Http {
    private static final int TIMEOUT_MS = 8000;
    private static final String USER_AGENT = "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 6 Build/TQ3A.230805.001)";

    private Http() {}

    public static int post(String url, String contentType, String body) {
        return send("POST", url, contentType, body.getBytes(StandardCharsets.UTF_8), null, null);
    }

    public static int post(String url, String contentType, byte[] body) {
        return send("POST", url, contentType, body, null, null);
    }

    public static int get(String url) {
        return send("GET", url, null, null, null, null);
    }

    /** A request that checks the server chain with an app-level pinner and/or its own TLS context. */
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
                pinner.check(target.getHost(), Arrays.asList(((HttpsURLConnection) conn).getServerCertificates()));
            }
            if (body != null) {
                try (OutputStream out = conn.getOutputStream()) { out.write(body); }
            }
            int status = conn.getResponseCode();
            drain(status >= 400 ? conn.getErrorStream() : conn.getInputStream());
            Lab.say("HTTP " + status + " " + method + " " + url);
            return status;
        } catch (SSLPeerUnverifiedException e) {
            Lab.say("PIN_FAILED " + host(url) + " " + oneLine(e));
            return -1;
        } catch (IOException | RuntimeException e) {
            String reason = oneLine(e);
            boolean trustRejected = reason.contains("PKIX") || reason.contains("certificate_unknown") || reason.contains("not trusted");
            Lab.say((tls != null && trustRejected ? "PIN_FAILED " + host(url) : "HTTP_FAILED " + url) + " " + reason);
            return -1;
        } finally {
            if (conn != null) conn.disconnect();
        }
    }

    private static void drain(InputStream in) throws IOException {
        if (in == null) return;
        try (InputStream body = in) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            body.transferTo(sink);
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
        String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
        return msg.replace('\n', ' ').replace('\r', ' ');
    }
}
