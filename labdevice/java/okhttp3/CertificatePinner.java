package okhttp3;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * OkHttp 3's pinner: a host's chain must contain a certificate whose SubjectPublicKeyInfo
 * hashes to one of the configured "sha256/BASE64" pins. Patterns: exact host or "*.domain".
 */
public final class CertificatePinner {
    private final Map<String, List<String>> pins;

    private CertificatePinner(Map<String, List<String>> pins) { this.pins = pins; }

    public void check(String hostname, List<Certificate> peerCertificates) throws SSLPeerUnverifiedException {
        List<String> expected = pinsFor(hostname);
        if (expected.isEmpty()) return;
        List<String> seen = new ArrayList<>();
        for (Certificate cert : peerCertificates) {
            String pin = pin(cert);
            if (expected.contains(pin)) return;
            seen.add(pin);
        }
        throw new SSLPeerUnverifiedException("Certificate pinning failure!\n  Peer certificate chain: " + seen
            + "\n  Pinned certificates for " + hostname + ": " + expected);
    }

    public static String pin(Certificate certificate) {
        try {
            byte[] spki = certificate.getPublicKey().getEncoded();
            return "sha256/" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> pinsFor(String hostname) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : pins.entrySet()) {
            String pattern = e.getKey();
            boolean match = pattern.startsWith("*.")
                ? hostname.endsWith(pattern.substring(1)) && hostname.indexOf('.') == hostname.length() - pattern.length() + 1
                : hostname.equals(pattern);
            if (match) out.addAll(e.getValue());
        }
        return out;
    }

    public static final class Builder {
        private final Map<String, List<String>> pins = new LinkedHashMap<>();

        public Builder add(String pattern, String... pins) {
            for (String pin : pins) {
                if (!pin.startsWith("sha256/")) throw new IllegalArgumentException("pins must start with sha256/: " + pin);
                if (!this.pins.containsKey(pattern)) this.pins.put(pattern, new ArrayList<>());
                this.pins.get(pattern).add(pin);
            }
            return this;
        }

        public CertificatePinner build() { return new CertificatePinner(new LinkedHashMap<>(pins)); }
    }
}
