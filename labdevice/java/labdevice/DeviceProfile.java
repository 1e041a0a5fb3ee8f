package labdevice;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The fake device's values. The single source is labdevice/device_profile.json; the lab
 * build writes it as device_profile.properties next to the classes, so Java and Python
 * can never disagree on what the device "returned".
 */
public final class DeviceProfile {
    private static final Properties VALUES = load();

    private DeviceProfile() {}

    private static Properties load() {
        Properties props = new Properties();
        try (InputStream in = DeviceProfile.class.getResourceAsStream("device_profile.properties")) {
            if (in == null) throw new IllegalStateException("device_profile.properties missing from the classpath");
            props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    /** A PII value by its PII kind (docs/events.md), e.g. id("imei"). */
    public static String id(String kind) {
        return require("id." + kind);
    }

    public static String build(String field) {
        return require("build." + field);
    }

    public static String get(String key) {
        return require(key);
    }

    public static List<String> installedApps() {
        return Arrays.asList(require("installed_apps").split(","));
    }

    /** Contacts as {name, number} pairs. */
    public static List<String[]> contacts() {
        int count = Integer.parseInt(require("contacts.count"));
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new String[] {require("contacts." + i + ".name"), require("contacts." + i + ".number")});
        }
        return out;
    }

    public static double latitude() {
        return Double.parseDouble(id("location").split(",")[0]);
    }

    public static double longitude() {
        return Double.parseDouble(id("location").split(",")[1]);
    }

    /** "LAB:PROFILE <key> <value>" for every entry, sorted (lets the host check what the JVM reads). */
    public static void print() {
        for (String key : new java.util.TreeSet<>(VALUES.stringPropertyNames())) Lab.say("PROFILE " + key + " " + VALUES.getProperty(key));
    }

    private static String require(String key) {
        String value = VALUES.getProperty(key);
        if (value == null) throw new IllegalStateException("device profile has no " + key);
        return value;
    }
}
