package android.os;

/** A unit of work for a Handler: a what/arg/obj payload or a Runnable callback. */
public final class Message {
    public int what;
    public int arg1;
    public int arg2;
    public Object obj;
    long when;
    Handler target;
    Runnable callback;
    Message next;

    public Message() {}

    public static Message obtain() { return new Message(); }

    public static Message obtain(Message orig) {
        if (orig == null) return null;
        Message m = new Message();
        m.what = orig.what;
        m.arg1 = orig.arg1;
        m.arg2 = orig.arg2;
        m.obj = orig.obj;
        m.target = orig.target;
        m.callback = orig.callback;
        return m;
    }

    public static Message obtain(Handler h, int what) {
        Message m = new Message();
        m.target = h;
        m.what = what;
        return m;
    }

    public static Message obtain(Handler h, int what, Object obj) {
        Message m = obtain(h, what);
        m.obj = obj;
        return m;
    }

    public static Message obtain(Handler h, Runnable callback) {
        Message m = new Message();
        m.target = h;
        m.callback = callback;
        return m;
    }

    public Handler getTarget() { return target; }
    public void setTarget(Handler target) { this.target = target; }
    public Runnable getCallback() { return callback; }
    public long getWhen() { return when; }

    public void sendToTarget() { target.sendMessage(this); }
}
