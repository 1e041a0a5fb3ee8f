package android.os;

import java.util.ArrayList;
import java.util.List;

/** The time-ordered queue a Looper drains; next() blocks until a message is due. */
public final class MessageQueue {
    private Message head;
    private boolean quitting;
    private final List<IdleHandler> idleHandlers = new ArrayList<>();

    MessageQueue() {}

    public interface IdleHandler {
        /** Return true to stay registered. */
        boolean queueIdle();
    }

    public void addIdleHandler(IdleHandler handler) {
        synchronized (idleHandlers) { idleHandlers.add(handler); }
    }

    public void removeIdleHandler(IdleHandler handler) {
        synchronized (idleHandlers) { idleHandlers.remove(handler); }
    }

    /** True when no message is due now (delayed ones may wait). */
    public synchronized boolean isIdle() {
        return head == null || SystemClock.uptimeMillis() < head.when;
    }

    synchronized boolean isEmpty() { return head == null; }

    /** True when every queued message, due or delayed, is a callback for which {@code ignore} holds. */
    synchronized boolean holdsOnly(java.util.function.Predicate<Runnable> ignore) {
        for (Message p = head; p != null; p = p.next) {
            if (p.callback == null || !ignore.test(p.callback)) return false;
        }
        return true;
    }

    synchronized boolean enqueueMessage(Message msg, long when) {
        if (quitting) return false;
        msg.when = when;
        if (head == null || when < head.when) {
            msg.next = head;
            head = msg;
        } else {
            Message p = head;
            while (p.next != null && p.next.when <= when) p = p.next;
            msg.next = p.next;
            p.next = msg;
        }
        notifyAll();
        return true;
    }

    Message next() {
        boolean idleRan = false;
        while (true) {
            synchronized (this) {
                long now = SystemClock.uptimeMillis();
                if (head != null && head.when <= now) {
                    Message m = head;
                    head = m.next;
                    m.next = null;
                    return m;
                }
                if (quitting) return null;
                if (idleRan) {
                    long wait = head == null ? 0 : Math.max(1, head.when - now);
                    try {
                        wait(wait);
                    } catch (InterruptedException e) {
                        return null;
                    }
                    idleRan = false;
                    continue;
                }
            }
            runIdleHandlers();
            idleRan = true;
        }
    }

    private void runIdleHandlers() {
        List<IdleHandler> copy;
        synchronized (idleHandlers) { copy = new ArrayList<>(idleHandlers); }
        for (IdleHandler h : copy) {
            if (!h.queueIdle()) removeIdleHandler(h);
        }
    }

    synchronized void removeMessages(Handler h, int what, Object obj) {
        Message prev = null;
        for (Message p = head; p != null; p = p.next) {
            if (p.target == h && p.callback == null && p.what == what && (obj == null || p.obj == obj)) {
                if (prev == null) head = p.next; else prev.next = p.next;
            } else {
                prev = p;
            }
        }
    }

    synchronized void removeCallbacks(Handler h, Runnable r) {
        Message prev = null;
        for (Message p = head; p != null; p = p.next) {
            if (p.target == h && p.callback == r) {
                if (prev == null) head = p.next; else prev.next = p.next;
            } else {
                prev = p;
            }
        }
    }

    synchronized void quit() {
        quitting = true;
        notifyAll();
    }
}
