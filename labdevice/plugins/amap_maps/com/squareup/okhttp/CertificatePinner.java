package com.squareup.okhttp;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * OkHttp 2's pinner, as SDKs that bundle their own OkHttp 2 ship it: a host's chain must
 * contain a certificate whose SubjectPublicKeyInfo hashes to one of the "sha256/BASE64" pins.
 * Besides the List form it has the varargs form check(String, Certificate...), which takes
 * an object array (OkHttp 3.0 kept the same signature on okhttp3.CertificatePinner).
 */
public final class CertificatePinner {
    private final Map<String, List<String>> pins;

    private CertificatePinner(Map<String, List<String>> pins) { this.pins = pins; }

    public void check(String hostname, Certificate... peerCertificates) throws SSLPeerUnverifiedException {
        check(hostname, Arrays.asList(peerCertificates));
    }

    public void check(String hostname, List<Certificate> peerCertificates) throws SSLPeerUnverifiedException {
        List<String> expected = pins.get(hostname);
        if (expected == null || expected.isEmpty()) return;
        List<String> seen = new ArrayList<>();
        for (Certificate cert : peerCertificates) {
            String pin = pin(cert);
            if (expected.contains(pin)) return;
            seen.add(pin);
        }
        throw new SSLPeerUnverifiedException("Certificate pinning failure! Peer certificate chain: " + seen
            + " Pinned certificates for " + hostname + ": " + expected);
    }

    public static String pin(Certificate certificate) {
        try {
            byte[] spki = certificate.getPublicKey().getEncoded();
            return "sha256/" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static final class Builder {
        private final Map<String, List<String>> pins = new LinkedHashMap<>();

        public Builder add(String hostname, String... pins) {
            for (String pin : pins) {
                if (!pin.startsWith("sha256/")) throw new IllegalArgumentException("pins must start with sha256/: " + pin);
                if (!this.pins.containsKey(hostname)) this.pins.put(hostname, new ArrayList<>());
                this.pins.get(hostname).add(pin);
            }
            return this;
        }

        public CertificatePinner build() { return new CertificatePinner(new LinkedHashMap<>(pins)); }
    }
}
