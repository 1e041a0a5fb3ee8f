package android.view;

import android.content.Context;
import java.util.ArrayList;
import java.util.List;

public abstract class ViewGroup extends View implements ViewParent {
    private final List<View> children = new ArrayList<>();

    public ViewGroup(Context context) { super(context); }

    public static class LayoutParams {
        public static final int MATCH_PARENT = -1;
        @Deprecated public static final int FILL_PARENT = -1;
        public static final int WRAP_CONTENT = -2;
        public int width;
        public int height;

        public LayoutParams(int width, int height) {
            this.width = width;
            this.height = height;
        }

        public LayoutParams(LayoutParams source) { this(source.width, source.height); }
    }

    public static class MarginLayoutParams extends LayoutParams {
        public int leftMargin;
        public int topMargin;
        public int rightMargin;
        public int bottomMargin;

        public MarginLayoutParams(int width, int height) { super(width, height); }
        public MarginLayoutParams(LayoutParams source) { super(source); }

        public void setMargins(int left, int top, int right, int bottom) {
            leftMargin = left;
            topMargin = top;
            rightMargin = right;
            bottomMargin = bottom;
        }
    }

    protected LayoutParams generateDefaultLayoutParams() {
        return new LayoutParams(LayoutParams.WRAP_CONTENT, LayoutParams.WRAP_CONTENT);
    }

    public void addView(View child) { addView(child, -1); }

    public void addView(View child, int index) {
        LayoutParams params = child.getLayoutParams();
        addView(child, index, params != null ? params : generateDefaultLayoutParams());
    }

    public void addView(View child, int width, int height) {
        LayoutParams params = generateDefaultLayoutParams();
        params.width = width;
        params.height = height;
        addView(child, -1, params);
    }

    public void addView(View child, LayoutParams params) { addView(child, -1, params); }

    public void addView(View child, int index, LayoutParams params) {
        if (child.mParent != null) {
            throw new IllegalStateException("The specified child already has a parent. You must call removeView() on the child's parent first.");
        }
        requestLayout();
        invalidate();
        child.setLayoutParamsQuiet(params);
        synchronized (children) {
            if (index < 0 || index > children.size()) children.add(child); else children.add(index, child);
        }
        child.mParent = this;
        if (mAttachInfo != null) child.dispatchAttachedToWindow(mAttachInfo);
    }

    public void removeView(View view) {
        requestLayout();
        invalidate();
        boolean removed;
        synchronized (children) { removed = children.remove(view); }
        if (removed) {
            view.mParent = null;
            view.dispatchDetachedFromWindow();
        }
    }

    public void removeAllViews() {
        requestLayout();
        invalidate();
        List<View> old;
        synchronized (children) {
            old = new ArrayList<>(children);
            children.clear();
        }
        for (View v : old) {
            v.mParent = null;
            v.dispatchDetachedFromWindow();
        }
    }

    public int getChildCount() {
        synchronized (children) { return children.size(); }
    }

    public View getChildAt(int index) {
        synchronized (children) { return index >= 0 && index < children.size() ? children.get(index) : null; }
    }

    public int indexOfChild(View child) {
        synchronized (children) { return children.indexOf(child); }
    }

    @Override protected <T extends View> T findViewTraversal(int id) {
        T self = super.findViewTraversal(id);
        if (self != null) return self;
        for (int i = 0; i < getChildCount(); i++) {
            T found = getChildAt(i).findViewTraversal(id);
            if (found != null) return found;
        }
        return null;
    }

    @Override void dispatchAttachedToWindow(ViewRootImpl root) {
        super.dispatchAttachedToWindow(root);
        for (int i = 0; i < getChildCount(); i++) getChildAt(i).dispatchAttachedToWindow(root);
    }

    @Override void dispatchDetachedFromWindow() {
        for (int i = 0; i < getChildCount(); i++) getChildAt(i).dispatchDetachedFromWindow();
        super.dispatchDetachedFromWindow();
    }

    /** The spec a child gets from this group's spec, its padding and the child's LayoutParams size. */
    public static int getChildMeasureSpec(int spec, int padding, int childDimension) {
        int size = Math.max(0, MeasureSpec.getSize(spec) - padding);
        int mode = MeasureSpec.getMode(spec);
        if (childDimension >= 0) return MeasureSpec.makeMeasureSpec(childDimension, MeasureSpec.EXACTLY);
        if (childDimension == LayoutParams.MATCH_PARENT) {
            return MeasureSpec.makeMeasureSpec(size, mode == MeasureSpec.UNSPECIFIED ? MeasureSpec.UNSPECIFIED : mode);
        }
        return MeasureSpec.makeMeasureSpec(size, mode == MeasureSpec.UNSPECIFIED ? MeasureSpec.UNSPECIFIED : MeasureSpec.AT_MOST);
    }

    @Override public CharSequence getAccessibilityClassName() { return ViewGroup.class.getName(); }
}
