package labdevice;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts calls of mirrored sensitive APIs, so tests can compare what the hooks saw with
 * what really happened. Printed as "LAB:COUNT <api> <n>" when the app ends.
 */
public final class Calls {
    private static final Map<String, Integer> COUNTS = new TreeMap<>();

    private Calls() {}

    public static synchronized void hit(String api) {
        COUNTS.merge(api, 1, Integer::sum);
    }

    public static synchronized int count(String api) {
        return COUNTS.getOrDefault(api, 0);
    }

    public static synchronized void print() {
        for (Map.Entry<String, Integer> e : COUNTS.entrySet()) {
            Lab.say("COUNT " + e.getKey() + " " + e.getValue());
        }
    }
}
