package android.app;

import android.content.Context;
import android.content.DialogInterface;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.view.Gravity;
import android.view.View;
import android.view.ViewGroup;
import android.view.Window;
import android.view.WindowManager;
import com.android.internal.policy.PhoneWindow;
import labdevice.Lab;

/**
 * A window over the activity. As on Android, the constructor needs a Looper on the calling
 * thread (its Handler), onCreate runs on the first show(), and show() adds the decor view to
 * the window manager; dismiss() from another thread is posted to the dialog's thread.
 */
public class Dialog implements DialogInterface {
    /** The lab's dialog width: Material dialogs on a 1080 px wide screen. */
    public static final int LAB_DIALOG_WIDTH = 960;
    private final Context mContext;
    private final WindowManager mWindowManager;
    final Window mWindow;
    private final Handler mHandler = new Handler();
    private View mDecor;
    private CharSequence title = "";
    private boolean mCreated;
    private volatile boolean mShowing;
    private boolean mCanceled;
    boolean mCancelable = true;
    boolean mCanceledOnTouchOutside = true;
    private OnDismissListener dismissListener;
    private OnCancelListener cancelListener;
    private OnShowListener showListener;
    private static final java.util.Map<View, Dialog> SHOWING = new java.util.concurrent.ConcurrentHashMap<>();

    /** The dialog whose window has this decor view (the lab window manager routes outside touches to it). */
    public static Dialog forDecorView(View decor) { return decor == null ? null : SHOWING.get(decor); }

    public Dialog(Context context) { this(context, 0); }

    public Dialog(Context context, int themeResId) {
        mContext = context;
        mWindowManager = (WindowManager) context.getSystemService(Context.WINDOW_SERVICE);
        mWindow = new PhoneWindow(context);
        WindowManager.LayoutParams lp = mWindow.getAttributes();
        lp.width = LAB_DIALOG_WIDTH;
        lp.height = ViewGroup.LayoutParams.WRAP_CONTENT;
        lp.gravity = Gravity.CENTER;
        lp.flags |= WindowManager.LayoutParams.FLAG_DIM_BEHIND;
    }

    public final Context getContext() { return mContext; }
    public final Window getWindow() { return mWindow; }

    protected void onCreate(Bundle savedInstanceState) {}
    protected void onStart() {}
    protected void onStop() {}

    public void create() {
        if (!mCreated) dispatchOnCreate(null);
    }

    void dispatchOnCreate(Bundle savedInstanceState) {
        if (!mCreated) {
            onCreate(savedInstanceState);
            mCreated = true;
        }
    }

    public void setTitle(CharSequence title) {
        this.title = title == null ? "" : title;
        mWindow.setTitle(this.title);
    }

    public void setTitle(int titleId) { setTitle(String.valueOf(titleId)); }

    public void setContentView(View view) { mWindow.setContentView(view); }

    public void setContentView(View view, ViewGroup.LayoutParams params) { mWindow.setContentView(view, params); }

    public <T extends View> T findViewById(int id) { return mWindow.findViewById(id); }

    public void setCancelable(boolean flag) { mCancelable = flag; }

    public void setCanceledOnTouchOutside(boolean cancel) {
        if (cancel && !mCancelable) mCancelable = true;
        mCanceledOnTouchOutside = cancel;
    }

    public void setOnDismissListener(OnDismissListener listener) { dismissListener = listener; }
    public void setOnCancelListener(OnCancelListener listener) { cancelListener = listener; }
    public void setOnShowListener(OnShowListener listener) { showListener = listener; }

    public void show() {
        if (mShowing) {
            if (mDecor != null) mDecor.setVisibility(View.VISIBLE);
            return;
        }
        mCanceled = false;
        if (!mCreated) dispatchOnCreate(null);
        onStart();
        mDecor = mWindow.getDecorView();
        mWindowManager.addView(mDecor, mWindow.getAttributes());
        mShowing = true;
        SHOWING.put(mDecor, this);
        Lab.say("DIALOG_SHOWN " + title.toString().replace('\n', ' '));
        if (showListener != null) {
            final OnShowListener listener = showListener;
            mHandler.post(() -> listener.onShow(this));
        }
    }

    public void hide() {
        if (mDecor != null) mDecor.setVisibility(View.GONE);
    }

    public boolean isShowing() { return mShowing; }

    @Override public void dismiss() {
        if (Looper.myLooper() == mHandler.getLooper()) dismissDialog();
        else mHandler.post(this::dismissDialog);
    }

    void dismissDialog() {
        if (mDecor == null || !mShowing) return;
        try {
            mWindowManager.removeViewImmediate(mDecor);
        } finally {
            mShowing = false;
            SHOWING.remove(mDecor);
            onStop();
            if (dismissListener != null) dismissListener.onDismiss(this);
        }
    }

    @Override public void cancel() {
        if (!mCanceled && cancelListener != null) {
            mCanceled = true;
            final OnCancelListener listener = cancelListener;
            mHandler.post(() -> listener.onCancel(this));
        }
        dismiss();
    }

    /** A touch outside the dialog's window (the lab window manager calls this on the dialog's thread). */
    public boolean onTouchOutside() {
        if (mCancelable && mCanceledOnTouchOutside && mShowing) {
            cancel();
            return true;
        }
        return false;
    }
}
