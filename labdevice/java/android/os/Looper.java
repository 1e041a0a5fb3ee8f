package android.os;

/**
 * A thread's message loop. The lab runtime makes the app's main thread the main looper
 * (prepareMainLooper + loop), so UI work and Handler callbacks run on one thread as on Android.
 */
public final class Looper {
    private static final ThreadLocal<Looper> LOOPERS = new ThreadLocal<>();
    private static volatile Looper mainLooper;

    final MessageQueue mQueue = new MessageQueue();
    final Thread mThread = Thread.currentThread();
    private volatile boolean dispatching;
    private volatile Runnable dispatchingCallback;

    private Looper() {}

    public static void prepare() {
        if (LOOPERS.get() != null) throw new RuntimeException("Only one Looper may be created per thread");
        LOOPERS.set(new Looper());
    }

    public static void prepareMainLooper() {
        prepare();
        synchronized (Looper.class) {
            if (mainLooper != null) throw new IllegalStateException("The main Looper has already been prepared.");
            mainLooper = myLooper();
        }
    }

    public static Looper getMainLooper() { return mainLooper; }

    public static Looper myLooper() { return LOOPERS.get(); }

    public static MessageQueue myQueue() { return myLooper().mQueue; }

    public static void loop() {
        Looper me = myLooper();
        if (me == null) throw new RuntimeException("No Looper; Looper.prepare() wasn't called on this thread.");
        while (true) {
            Message msg = me.mQueue.next();
            if (msg == null) return;
            me.dispatchingCallback = msg.callback;
            me.dispatching = true;
            try {
                msg.target.dispatchMessage(msg);
            } finally {
                me.dispatching = false;
                me.dispatchingCallback = null;
            }
        }
    }

    public void quit() { mQueue.quit(); }

    public void quitSafely() { mQueue.quit(); }

    public Thread getThread() { return mThread; }

    public boolean isCurrentThread() { return Thread.currentThread() == mThread; }

    public MessageQueue getQueue() { return mQueue; }

    /** Nothing running and nothing queued, not even a delayed message (the lab's idle detection). */
    public boolean isLabIdle() { return !dispatching && mQueue.isEmpty(); }

    /**
     * As isLabIdle, except that work for which {@code ignore} holds (the lab's own device-control
     * commands, e.g. a UI dump) neither runs as the app's work nor waits as it.
     */
    public boolean isLabIdle(java.util.function.Predicate<Runnable> ignore) {
        if (dispatching) {
            Runnable running = dispatchingCallback;
            if (running == null || !ignore.test(running)) return false;
        }
        return mQueue.holdsOnly(ignore);
    }

    @Override public String toString() { return "Looper (" + mThread.getName() + ", tid " + mThread.getId() + ")"; }
}
