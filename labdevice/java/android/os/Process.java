package android.os;

public class Process {
    public static final int SYSTEM_UID = 1000;

    public static final int myPid() { return (int) ProcessHandle.current().pid(); }
    public static final int myUid() { return 10123; }
    public static final int myTid() { return (int) Thread.currentThread().getId(); }
}
