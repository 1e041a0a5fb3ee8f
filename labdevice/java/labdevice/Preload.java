package labdevice;

import java.net.NetworkInterface;
import java.net.Proxy;
import java.net.URL;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.zip.GZIPOutputStream;
import javax.crypto.Cipher;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * Loads and initialises the JDK classes the apps use before the start gate, as Android's
 * zygote preloads the framework. Seen here: once a Frida hook is installed, a JDK class
 * loaded for the first time afterwards (HTTP, TLS) could hang the JVM; preloaded, it does not.
 */
final class Preload {
    private Preload() {}

    private static void loadPackages() {
        try {
            java.nio.file.FileSystem jrt = java.nio.file.FileSystems.getFileSystem(java.net.URI.create("jrt:/"));
            for (String[] pkg : PACKAGES) {
                java.nio.file.Path dir = jrt.getPath("/modules", pkg[0], pkg[1]);
                if (!java.nio.file.Files.isDirectory(dir)) continue;
                try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                    files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.equals("module-info.class"))
                        .forEach(n -> load(pkg[1].replace('/', '.') + "." + n.substring(0, n.length() - 6)));
                }
            }
        } catch (Exception e) {
            Lab.say("PRELOAD_FAILED " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void load(String className) {
        try {
            Class.forName(className, false, ClassLoader.getSystemClassLoader());
        } catch (Throwable ignored) {
            // some classes need optional modules; skipping them only means they load later
        }
    }

    /** JDK packages on the HTTP(S) and crypto paths; their classes are loaded (not initialised) up front. */
    private static final String[][] PACKAGES = {
        {"java.base", "sun/security/ssl"}, {"java.base", "sun/security/provider/certpath"}, {"java.base", "sun/security/x509"},
        {"java.base", "sun/security/util"}, {"java.base", "sun/security/validator"}, {"java.base", "sun/net/www/protocol/http"},
        {"java.base", "sun/net/www/protocol/https"}, {"java.base", "sun/net/www/http"}, {"java.base", "sun/net/www"},
        {"jdk.crypto.ec", "sun/security/ec"}, {"java.base", "com/sun/crypto/provider"}, {"java.base", "sun/security/rsa"},
        {"java.base", "sun/security/provider"}, {"java.base", "java/security/cert"}, {"java.base", "javax/net/ssl"},
    };

    static void jdk() {
        loadPackages();
        try {
            SSLContext.getDefault().getSocketFactory();
            HttpsURLConnection.getDefaultSSLSocketFactory();
            new URL("https://preload.invalid/").openConnection(Proxy.NO_PROXY);
            new URL("http://preload.invalid/").openConnection(Proxy.NO_PROXY);
            Cipher.getInstance("AES/CBC/PKCS5Padding");
            MessageDigest.getInstance("MD5");
            MessageDigest.getInstance("SHA-256");
            new GZIPOutputStream(new java.io.ByteArrayOutputStream()).close();
            Collections.list(NetworkInterface.getNetworkInterfaces());
        } catch (Exception e) {
            Lab.say("PRELOAD_FAILED " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
