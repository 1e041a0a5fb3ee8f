package android.view;

import java.util.ArrayList;
import java.util.List;

/** The process' windows, bottom to top (AOSP keeps the same list of ViewRootImpls). */
public final class WindowManagerGlobal {
    private static final WindowManagerGlobal INSTANCE = new WindowManagerGlobal();
    private final List<ViewRootImpl> mRoots = new ArrayList<>();

    private WindowManagerGlobal() {}

    public static WindowManagerGlobal getInstance() { return INSTANCE; }

    public void addView(View view, ViewGroup.LayoutParams params) {
        if (!(params instanceof WindowManager.LayoutParams)) throw new IllegalArgumentException("Params must be WindowManager.LayoutParams");
        if (view.mAttachInfo != null) {
            throw new IllegalStateException("View " + view + " has already been added to the window manager.");
        }
        ViewRootImpl root = new ViewRootImpl(view, (WindowManager.LayoutParams) params);
        view.mParent = root;
        view.dispatchAttachedToWindow(root);
        synchronized (mRoots) {
            int at = mRoots.size();
            WindowManager.LayoutParams lp = (WindowManager.LayoutParams) params;
            if (lp.type == WindowManager.LayoutParams.TYPE_BASE_APPLICATION && lp.token != null) {
                // an activity's own window goes under the dialogs it showed before it became visible
                for (int i = 0; i < mRoots.size(); i++) {
                    if (mRoots.get(i).mWindowAttributes.token == lp.token) {
                        at = i;
                        break;
                    }
                }
            }
            mRoots.add(at, root);
        }
    }

    public void removeView(View view) {
        ViewRootImpl root = view.mAttachInfo;
        if (root == null || root.mView != view) throw new IllegalArgumentException("View=" + view + " not attached to window manager");
        root.checkThread();
        synchronized (mRoots) { mRoots.remove(root); }
        view.dispatchDetachedFromWindow();
        view.mParent = null;
    }

    public void updateViewLayout(View view, ViewGroup.LayoutParams params) {
        ViewRootImpl root = view.mAttachInfo;
        if (root == null) throw new IllegalArgumentException("View=" + view + " not attached to window manager");
        if (params instanceof WindowManager.LayoutParams) {
            WindowManager.LayoutParams src = (WindowManager.LayoutParams) params;
            WindowManager.LayoutParams dst = root.mWindowAttributes;
            dst.width = src.width;
            dst.height = src.height;
            dst.gravity = src.gravity;
            dst.x = src.x;
            dst.y = src.y;
            dst.flags = src.flags;
        }
        root.requestLayout();
    }

    /** The windows, bottom first. */
    public List<ViewRootImpl> getRoots() {
        synchronized (mRoots) { return new ArrayList<>(mRoots); }
    }
}
