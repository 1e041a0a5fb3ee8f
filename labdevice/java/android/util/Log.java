package android.util;

import labdevice.Lab;

/** logcat: each line goes to the lab's output as "LAB:LOG <level>/<tag>: <msg>" (the host reads it as adb logcat). */
public final class Log {
    public static final int VERBOSE = 2;
    public static final int DEBUG = 3;
    public static final int INFO = 4;
    public static final int WARN = 5;
    public static final int ERROR = 6;

    private Log() {}

    public static int v(String tag, String msg) { return println(VERBOSE, tag, msg); }
    public static int d(String tag, String msg) { return println(DEBUG, tag, msg); }
    public static int i(String tag, String msg) { return println(INFO, tag, msg); }
    public static int w(String tag, String msg) { return println(WARN, tag, msg); }
    public static int e(String tag, String msg) { return println(ERROR, tag, msg); }
    public static int e(String tag, String msg, Throwable tr) { return println(ERROR, tag, msg + ": " + tr); }
    public static int w(String tag, String msg, Throwable tr) { return println(WARN, tag, msg + ": " + tr); }

    public static int println(int priority, String tag, String msg) {
        String level = "??VDIWEA".substring(Math.min(priority, 7), Math.min(priority, 7) + 1);
        String text = (msg == null ? "null" : msg).replace('\n', ' ');
        Lab.say("LOG " + level + "/" + tag + ": " + text);
        return text.length();
    }
}
