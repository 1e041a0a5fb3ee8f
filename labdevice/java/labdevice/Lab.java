package labdevice;

/** The lab app's side channel to the host: one "LAB:..." line per fact, flushed at once. */
public final class Lab {
    private Lab() {}

    public static void say(String line) {
        synchronized (System.out) {
            System.out.println("LAB:" + line);
            System.out.flush();
        }
    }
}
