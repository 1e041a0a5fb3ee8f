package android.widget;

import android.content.Context;
import android.view.Gravity;
import android.view.View;
import android.view.ViewGroup;
import android.view.WindowManager;

/**
 * A floating window over the activity, added to the window manager by showAtLocation /
 * showAsDropDown. A touch outside dismisses it when it is focusable or outside-touchable.
 */
public class PopupWindow {
    private Context mContext;
    private WindowManager mWindowManager;
    private View mContentView;
    private FrameLayout mDecorView;
    private int mWidth = ViewGroup.LayoutParams.WRAP_CONTENT;
    private int mHeight = ViewGroup.LayoutParams.WRAP_CONTENT;
    private boolean mFocusable;
    private boolean mOutsideTouchable;
    private boolean mIsShowing;
    private OnDismissListener mOnDismissListener;

    public interface OnDismissListener {
        void onDismiss();
    }

    public PopupWindow(Context context) { mContext = context; }

    public PopupWindow(View contentView, int width, int height) { this(contentView, width, height, false); }

    public PopupWindow(View contentView, int width, int height, boolean focusable) {
        if (contentView != null) mContext = contentView.getContext();
        mContentView = contentView;
        mWidth = width;
        mHeight = height;
        mFocusable = focusable;
    }

    public void setContentView(View contentView) { mContentView = contentView; }
    public View getContentView() { return mContentView; }
    public void setWidth(int width) { mWidth = width; }
    public void setHeight(int height) { mHeight = height; }
    public int getWidth() { return mWidth; }
    public int getHeight() { return mHeight; }
    public void setFocusable(boolean focusable) { mFocusable = focusable; }
    public boolean isFocusable() { return mFocusable; }
    public void setOutsideTouchable(boolean touchable) { mOutsideTouchable = touchable; }
    public boolean isOutsideTouchable() { return mOutsideTouchable; }
    public void setOnDismissListener(OnDismissListener listener) { mOnDismissListener = listener; }
    public boolean isShowing() { return mIsShowing; }

    public void showAtLocation(View parent, int gravity, int x, int y) {
        if (mIsShowing || mContentView == null) return;
        WindowManager.LayoutParams p = params(parent);
        p.gravity = gravity;
        p.x = x;
        p.y = y;
        attach(p);
    }

    public void showAsDropDown(View anchor) { showAsDropDown(anchor, 0, 0); }

    public void showAsDropDown(View anchor, int xoff, int yoff) {
        if (mIsShowing || mContentView == null) return;
        int[] location = new int[2];
        anchor.getLocationOnScreen(location);
        WindowManager.LayoutParams p = params(anchor);
        p.gravity = Gravity.LEFT | Gravity.TOP;
        p.x = location[0] + xoff;
        p.y = location[1] + anchor.getHeight() + yoff;
        attach(p);
    }

    private WindowManager.LayoutParams params(View parent) {
        if (mContext == null) mContext = parent.getContext();
        mWindowManager = (WindowManager) parent.getContext().getSystemService(Context.WINDOW_SERVICE);
        WindowManager.LayoutParams p = new WindowManager.LayoutParams(WindowManager.LayoutParams.TYPE_APPLICATION_PANEL);
        p.width = mWidth;
        p.height = mHeight;
        if (!mFocusable) p.flags |= WindowManager.LayoutParams.FLAG_NOT_FOCUSABLE;
        return p;
    }

    private void attach(WindowManager.LayoutParams p) {
        mDecorView = new PopupDecorView(mContext, this);
        mDecorView.addView(mContentView, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
        mWindowManager.addView(mDecorView, p);
        mIsShowing = true;
    }

    public void dismiss() {
        if (!mIsShowing) return;
        mIsShowing = false;
        mDecorView.removeView(mContentView);
        mWindowManager.removeViewImmediate(mDecorView);
        if (mOnDismissListener != null) mOnDismissListener.onDismiss();
    }

    /** A touch outside the popup's window; true when it dismissed the popup (and so took the touch). */
    public boolean onTouchOutside() {
        if (mIsShowing && (mFocusable || mOutsideTouchable)) {
            dismiss();
            return true;
        }
        return false;
    }

    /** The popup's top view; the lab window manager finds the popup through it. */
    public static final class PopupDecorView extends FrameLayout {
        private final PopupWindow mPopup;

        PopupDecorView(Context context, PopupWindow popup) {
            super(context);
            mPopup = popup;
        }

        public PopupWindow getPopup() { return mPopup; }

        @Override public CharSequence getAccessibilityClassName() { return FrameLayout.class.getName(); }
    }
}
