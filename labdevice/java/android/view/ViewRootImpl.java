package android.view;

import android.os.Handler;
import android.os.Looper;
import android.util.AndroidRuntimeException;

/**
 * The root of one window's view tree. It belongs to the thread that added the window
 * (WindowManager.addView); checkThread() is what makes touching its views from any other
 * thread throw, as AOSP's ViewRootImpl does.
 */
public final class ViewRootImpl implements ViewParent {
    final Thread mThread;
    final View mView;
    final Handler mHandler;
    final WindowManager.LayoutParams mWindowAttributes;
    private volatile boolean mLayoutRequested = true;
    private volatile long mGeneration;
    private int frameLeft;
    private int frameTop;
    private int frameRight;
    private int frameBottom;

    ViewRootImpl(View view, WindowManager.LayoutParams attrs) {
        Looper looper = Looper.myLooper();
        if (looper == null) {
            throw new RuntimeException("Can't create handler inside thread " + Thread.currentThread()
                + " that has not called Looper.prepare()");
        }
        mThread = Thread.currentThread();
        mHandler = new Handler(looper);
        mView = view;
        mWindowAttributes = attrs;
    }

    public static final class CalledFromWrongThreadException extends AndroidRuntimeException {
        public CalledFromWrongThreadException(String msg) { super(msg); }
    }

    void checkThread() {
        if (mThread != Thread.currentThread()) {
            throw new CalledFromWrongThreadException("Only the original thread that created a view hierarchy can touch its views.");
        }
    }

    @Override public void requestLayout() {
        checkThread();
        mLayoutRequested = true;
        mGeneration++;
    }

    void invalidate() {
        checkThread();
        mGeneration++;
    }

    @Override public ViewParent getParent() { return null; }

    public View getView() { return mView; }
    public WindowManager.LayoutParams getWindowAttributes() { return mWindowAttributes; }
    public Handler getHandler() { return mHandler; }
    public Thread getThread() { return mThread; }
    /** Changes since the window was added (the lab window manager redraws when it moves). */
    public long getGeneration() { return mGeneration; }

    public int getFrameLeft() { return frameLeft; }
    public int getFrameTop() { return frameTop; }
    public int getFrameRight() { return frameRight; }
    public int getFrameBottom() { return frameBottom; }

    /** Measures and places the window on a screen of the given size (run on the window's thread). */
    public void performLayout(int screenWidth, int screenHeight) {
        WindowManager.LayoutParams lp = mWindowAttributes;
        int wSpec = spec(lp.width, screenWidth);
        int hSpec = spec(lp.height, screenHeight);
        mView.measure(wSpec, hSpec);
        int w = mView.getMeasuredWidth();
        int h = mView.getMeasuredHeight();
        int g = lp.gravity;
        int x;
        int horizontal = g & 0x07;
        if (horizontal == Gravity.CENTER_HORIZONTAL) x = (screenWidth - w) / 2 + lp.x;
        else if (horizontal == (Gravity.RIGHT & 0x07)) x = screenWidth - w - lp.x;
        else x = lp.x;
        int y;
        int vertical = g & 0x70;
        if (vertical == Gravity.CENTER_VERTICAL) y = (screenHeight - h) / 2 + lp.y;
        else if (vertical == Gravity.BOTTOM) y = screenHeight - h - lp.y;
        else y = lp.y;
        frameLeft = x;
        frameTop = y;
        frameRight = x + w;
        frameBottom = y + h;
        mView.layout(0, 0, w, h);
        mLayoutRequested = false;
    }

    private static int spec(int dimension, int screen) {
        if (dimension >= 0) return View.MeasureSpec.makeMeasureSpec(Math.min(dimension, screen), View.MeasureSpec.EXACTLY);
        if (dimension == ViewGroup.LayoutParams.MATCH_PARENT) return View.MeasureSpec.makeMeasureSpec(screen, View.MeasureSpec.EXACTLY);
        return View.MeasureSpec.makeMeasureSpec(screen, View.MeasureSpec.AT_MOST);
    }
}
