package android.os;

/** Monotonic clocks (uptimeMillis drives Handler timing, as on Android). */
public final class SystemClock {
    private static final long BOOT_NANOS = System.nanoTime();

    private SystemClock() {}

    public static long uptimeMillis() { return (System.nanoTime() - BOOT_NANOS) / 1_000_000L; }

    public static long elapsedRealtime() { return uptimeMillis(); }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
