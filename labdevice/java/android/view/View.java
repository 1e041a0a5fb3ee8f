package android.view;

import android.content.Context;
import android.os.Handler;
import android.os.Looper;

/**
 * The base of every widget. Views attached to a window belong to the thread that added the
 * window: changing them from another thread throws ViewRootImpl.CalledFromWrongThreadException
 * (from requestLayout/invalidate, as on Android); detached views may be built on any thread.
 */
public class View {
    public static final int NO_ID = -1;
    public static final int VISIBLE = 0x00000000;
    public static final int INVISIBLE = 0x00000004;
    public static final int GONE = 0x00000008;

    private final Context mContext;
    ViewParent mParent;
    ViewRootImpl mAttachInfo;
    private ViewGroup.LayoutParams mLayoutParams;
    private OnClickListener onClickListener;
    private OnLongClickListener onLongClickListener;
    private int id = NO_ID;
    private Object tag;
    private CharSequence contentDescription;
    private int visibility = VISIBLE;
    private boolean enabled = true;
    private boolean clickable;
    private boolean longClickable;
    private boolean focusable;
    private boolean selected;
    private int backgroundColor;
    protected int mPaddingLeft;
    protected int mPaddingTop;
    protected int mPaddingRight;
    protected int mPaddingBottom;
    protected int mLeft;
    protected int mTop;
    protected int mRight;
    protected int mBottom;
    private int measuredWidth;
    private int measuredHeight;

    public View(Context context) { this.mContext = context; }

    public Context getContext() { return mContext; }
    public int getId() { return id; }
    public void setId(int id) { this.id = id; }
    public Object getTag() { return tag; }
    public void setTag(Object tag) { this.tag = tag; }
    public CharSequence getContentDescription() { return contentDescription; }
    public void setContentDescription(CharSequence description) { contentDescription = description; }

    // --- state --------------------------------------------------------------------------
    public int getVisibility() { return visibility; }

    public void setVisibility(int visibility) {
        if (this.visibility == visibility) return;
        this.visibility = visibility;
        requestLayout();
        invalidate();
    }

    public boolean isShown() {
        View v = this;
        while (v != null) {
            if (v.visibility != VISIBLE) return false;
            v = v.mParent instanceof View ? (View) v.mParent : null;
        }
        return mAttachInfo != null;
    }

    public boolean isEnabled() { return enabled; }

    public void setEnabled(boolean enabled) {
        if (this.enabled == enabled) return;
        this.enabled = enabled;
        invalidate();
    }

    public boolean isClickable() { return clickable; }
    public void setClickable(boolean clickable) { this.clickable = clickable; }
    public boolean isLongClickable() { return longClickable; }
    public void setLongClickable(boolean longClickable) { this.longClickable = longClickable; }
    public boolean isFocusable() { return focusable; }
    public void setFocusable(boolean focusable) { this.focusable = focusable; }
    public boolean isSelected() { return selected; }
    public void setSelected(boolean selected) { this.selected = selected; invalidate(); }
    public boolean isFocused() { return false; }

    public void setBackgroundColor(int color) { backgroundColor = color; invalidate(); }
    /** The lab renderer's view of the background (0: none). */
    public int getBackgroundColorValue() { return backgroundColor; }

    public void setPadding(int left, int top, int right, int bottom) {
        mPaddingLeft = left;
        mPaddingTop = top;
        mPaddingRight = right;
        mPaddingBottom = bottom;
        requestLayout();
    }

    public int getPaddingLeft() { return mPaddingLeft; }
    public int getPaddingTop() { return mPaddingTop; }
    public int getPaddingRight() { return mPaddingRight; }
    public int getPaddingBottom() { return mPaddingBottom; }

    public ViewGroup.LayoutParams getLayoutParams() { return mLayoutParams; }

    public void setLayoutParams(ViewGroup.LayoutParams params) {
        if (params == null) throw new NullPointerException("Layout parameters cannot be null");
        mLayoutParams = params;
        requestLayout();
    }

    void setLayoutParamsQuiet(ViewGroup.LayoutParams params) { mLayoutParams = params; }

    // --- clicks -------------------------------------------------------------------------
    public void setOnClickListener(OnClickListener listener) {
        if (!clickable) clickable = true;
        onClickListener = listener;
    }

    public boolean hasOnClickListeners() { return onClickListener != null; }

    public void setOnLongClickListener(OnLongClickListener listener) {
        if (!longClickable) longClickable = true;
        onLongClickListener = listener;
    }

    /** Runs the click listener, on the calling thread (as on Android). */
    public boolean performClick() {
        OnClickListener listener = onClickListener;
        if (listener == null) return false;
        listener.onClick(this);
        return true;
    }

    public boolean callOnClick() { return performClick(); }

    public boolean performLongClick() {
        OnLongClickListener listener = onLongClickListener;
        return listener != null && listener.onLongClick(this);
    }

    public interface OnClickListener {
        void onClick(View v);
    }

    public interface OnLongClickListener {
        boolean onLongClick(View v);
    }

    // --- tree -----------------------------------------------------------------------------
    public final ViewParent getParent() { return mParent; }

    public View getRootView() {
        View v = this;
        while (v.mParent instanceof View) v = (View) v.mParent;
        return v;
    }

    public final <T extends View> T findViewById(int id) {
        if (id == NO_ID) return null;
        return findViewTraversal(id);
    }

    @SuppressWarnings("unchecked")
    protected <T extends View> T findViewTraversal(int id) {
        return id == this.id ? (T) this : null;
    }

    public boolean isAttachedToWindow() { return mAttachInfo != null; }

    void dispatchAttachedToWindow(ViewRootImpl root) { mAttachInfo = root; }

    void dispatchDetachedFromWindow() { mAttachInfo = null; }

    /** The window's root, for the lab window manager. */
    public ViewRootImpl getViewRootImpl() { return mAttachInfo; }

    public Handler getHandler() { return mAttachInfo != null ? mAttachInfo.mHandler : null; }

    public boolean post(Runnable action) {
        Handler h = getHandler();
        if (h == null) h = new Handler(Looper.getMainLooper());
        return h.post(action);
    }

    public boolean postDelayed(Runnable action, long delayMillis) {
        Handler h = getHandler();
        if (h == null) h = new Handler(Looper.getMainLooper());
        return h.postDelayed(action, delayMillis);
    }

    // --- layout and drawing (changes of an attached view check the thread) -------------------
    public void requestLayout() {
        if (mAttachInfo != null) mAttachInfo.requestLayout();
    }

    public void invalidate() {
        if (mAttachInfo != null) mAttachInfo.invalidate();
    }

    public static class MeasureSpec {
        public static final int UNSPECIFIED = 0;
        public static final int EXACTLY = 1 << 30;
        public static final int AT_MOST = 2 << 30;
        private static final int MODE_MASK = 3 << 30;

        public static int makeMeasureSpec(int size, int mode) { return (size & ~MODE_MASK) | (mode & MODE_MASK); }
        public static int getMode(int measureSpec) { return measureSpec & MODE_MASK; }
        public static int getSize(int measureSpec) { return measureSpec & ~MODE_MASK; }
    }

    public final void measure(int widthMeasureSpec, int heightMeasureSpec) { onMeasure(widthMeasureSpec, heightMeasureSpec); }

    /** Default: the spec's size, or the padding for UNSPECIFIED. */
    protected void onMeasure(int widthMeasureSpec, int heightMeasureSpec) {
        setMeasuredDimension(defaultSize(mPaddingLeft + mPaddingRight, widthMeasureSpec),
                             defaultSize(mPaddingTop + mPaddingBottom, heightMeasureSpec));
    }

    protected static int defaultSize(int wanted, int spec) {
        int size = MeasureSpec.getSize(spec);
        switch (MeasureSpec.getMode(spec)) {
            case MeasureSpec.EXACTLY: return size;
            case MeasureSpec.AT_MOST: return Math.min(wanted, size);
            default: return wanted;
        }
    }

    protected final void setMeasuredDimension(int measuredWidth, int measuredHeight) {
        this.measuredWidth = measuredWidth;
        this.measuredHeight = measuredHeight;
    }

    public final int getMeasuredWidth() { return measuredWidth; }
    public final int getMeasuredHeight() { return measuredHeight; }

    public void layout(int l, int t, int r, int b) {
        boolean changed = l != mLeft || t != mTop || r != mRight || b != mBottom;
        mLeft = l;
        mTop = t;
        mRight = r;
        mBottom = b;
        onLayout(changed, l, t, r, b);
    }

    protected void onLayout(boolean changed, int left, int top, int right, int bottom) {}

    public final int getLeft() { return mLeft; }
    public final int getTop() { return mTop; }
    public final int getRight() { return mRight; }
    public final int getBottom() { return mBottom; }
    public final int getWidth() { return mRight - mLeft; }
    public final int getHeight() { return mBottom - mTop; }

    /** Screen coordinates of this view's top-left corner. */
    public void getLocationOnScreen(int[] outLocation) {
        int x = mLeft;
        int y = mTop;
        ViewParent p = mParent;
        while (p instanceof View) {
            View v = (View) p;
            x += v.mLeft;
            y += v.mTop;
            p = v.mParent;
        }
        if (mAttachInfo != null) {
            x += mAttachInfo.getFrameLeft();
            y += mAttachInfo.getFrameTop();
        }
        outLocation[0] = x;
        outLocation[1] = y;
    }

    /** The class name accessibility (and so uiautomator) reports for this view. */
    public CharSequence getAccessibilityClassName() { return View.class.getName(); }
}
