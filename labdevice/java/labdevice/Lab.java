package labdevice;

/** The lab app's side channel to the host: one "LAB:..." line per fact, flushed at once. */
public final class Lab {
    private static volatile String prefix = "";

    private Lab() {}

    /** Lines of a secondary process say which process they come from: "LAB:PROC <pid> ...". */
    static void markSecondaryProcess(long pid) { prefix = "PROC " + pid + " "; }

    public static void say(String line) {
        synchronized (System.out) {
            System.out.println("LAB:" + prefix + line);
            System.out.flush();
        }
    }
}
