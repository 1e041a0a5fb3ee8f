package com.labshop.bank;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/** The app's own trust manager: only chains signed by its bundled CA, never the device store. */
public final class StrictTrustManager implements X509TrustManager {
    private final List<X509Certificate> anchors = new ArrayList<>();

    public StrictTrustManager(String caPemPath) {
        if (caPemPath == null) return;
        try (InputStream in = new FileInputStream(caPemPath)) {
            anchors.add((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the bundled CA " + caPemPath, e);
        }
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not accepted");
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        for (X509Certificate cert : chain) {
            for (X509Certificate anchor : anchors) {
                try {
                    cert.verify(anchor.getPublicKey());
                    return;
                } catch (GeneralSecurityException ignored) {
                    // signed by someone else: try the next pair
                }
            }
        }
        throw new CertificateException("server certificate not trusted by the app: " + chain[0].getSubjectX500Principal());
    }

    @Override public X509Certificate[] getAcceptedIssuers() { return anchors.toArray(new X509Certificate[0]); }
}
