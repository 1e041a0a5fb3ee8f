package android.app;

import android.content.Context;
import android.content.DialogInterface;
import labdevice.Lab;

public class Dialog implements DialogInterface {
    private final Context context;
    private CharSequence title;
    private volatile boolean showing;

    public Dialog(Context context) { this.context = context; }

    public Context getContext() { return context; }

    public void setTitle(CharSequence title) { this.title = title; }

    /** Nothing is drawn: the dialog becomes "visible" and waits for a click through its views. */
    public void show() {
        showing = true;
        Lab.say("DIALOG_SHOWN " + (title == null ? "" : title));
    }

    public boolean isShowing() { return showing; }

    @Override public void dismiss() { showing = false; }

    @Override public void cancel() { dismiss(); }
}
