package android.os;

/** Placeholder for the thread whose loop delivers callbacks; the lab delivers on the caller. */
public final class Looper {
    private static final Looper MAIN = new Looper();

    private Looper() {}

    public static Looper getMainLooper() { return MAIN; }
    public static Looper myLooper() { return MAIN; }
}
