package android.os;

/** Posts work to a Looper's thread; Handler() binds to the calling thread's Looper as on Android. */
public class Handler {
    final Looper mLooper;
    final MessageQueue mQueue;
    final Callback mCallback;

    public interface Callback {
        boolean handleMessage(Message msg);
    }

    public Handler() { this(currentLooper(), null); }

    public Handler(Callback callback) { this(currentLooper(), callback); }

    public Handler(Looper looper) { this(looper, null); }

    public Handler(Looper looper, Callback callback) {
        if (looper == null) throw new NullPointerException("looper");
        mLooper = looper;
        mQueue = looper.mQueue;
        mCallback = callback;
    }

    private static Looper currentLooper() {
        Looper looper = Looper.myLooper();
        if (looper == null) {
            throw new RuntimeException("Can't create handler inside thread " + Thread.currentThread()
                + " that has not called Looper.prepare()");
        }
        return looper;
    }

    public void handleMessage(Message msg) {}

    public void dispatchMessage(Message msg) {
        if (msg.callback != null) {
            msg.callback.run();
        } else if (mCallback == null || !mCallback.handleMessage(msg)) {
            handleMessage(msg);
        }
    }

    public final Looper getLooper() { return mLooper; }

    public final Message obtainMessage() { return Message.obtain(this, 0); }
    public final Message obtainMessage(int what) { return Message.obtain(this, what); }
    public final Message obtainMessage(int what, Object obj) { return Message.obtain(this, what, obj); }

    public final boolean post(Runnable r) { return sendMessageDelayed(Message.obtain(this, r), 0); }
    public final boolean postDelayed(Runnable r, long delayMillis) { return sendMessageDelayed(Message.obtain(this, r), delayMillis); }
    public final boolean postAtTime(Runnable r, long uptimeMillis) { return sendMessageAtTime(Message.obtain(this, r), uptimeMillis); }
    public final boolean sendMessage(Message msg) { return sendMessageDelayed(msg, 0); }
    public final boolean sendEmptyMessage(int what) { return sendMessageDelayed(Message.obtain(this, what), 0); }
    public final boolean sendEmptyMessageDelayed(int what, long delayMillis) { return sendMessageDelayed(Message.obtain(this, what), delayMillis); }

    public final boolean sendMessageDelayed(Message msg, long delayMillis) {
        return sendMessageAtTime(msg, SystemClock.uptimeMillis() + Math.max(0, delayMillis));
    }

    public boolean sendMessageAtTime(Message msg, long uptimeMillis) {
        msg.target = this;
        return mQueue.enqueueMessage(msg, uptimeMillis);
    }

    public final void removeMessages(int what) { mQueue.removeMessages(this, what, null); }
    public final void removeCallbacks(Runnable r) { mQueue.removeCallbacks(this, r); }
    public final void removeCallbacksAndMessages(Object token) {}
}
