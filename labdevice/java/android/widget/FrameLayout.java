package android.widget;

import android.content.Context;
import android.view.Gravity;
import android.view.View;
import android.view.ViewGroup;

public class FrameLayout extends ViewGroup {
    public FrameLayout(Context context) { super(context); }

    public static class LayoutParams extends ViewGroup.MarginLayoutParams {
        public int gravity = -1;

        public LayoutParams(int width, int height) { super(width, height); }
        public LayoutParams(int width, int height, int gravity) { super(width, height); this.gravity = gravity; }
        public LayoutParams(ViewGroup.LayoutParams source) { super(source); }
    }

    @Override protected ViewGroup.LayoutParams generateDefaultLayoutParams() {
        return new LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT);
    }

    @Override protected void onMeasure(int widthMeasureSpec, int heightMeasureSpec) {
        int padW = getPaddingLeft() + getPaddingRight();
        int padH = getPaddingTop() + getPaddingBottom();
        int maxW = 0;
        int maxH = 0;
        for (int i = 0; i < getChildCount(); i++) {
            View child = getChildAt(i);
            if (child.getVisibility() == GONE) continue;
            ViewGroup.LayoutParams lp = child.getLayoutParams();
            child.measure(getChildMeasureSpec(widthMeasureSpec, padW, lp.width), getChildMeasureSpec(heightMeasureSpec, padH, lp.height));
            maxW = Math.max(maxW, child.getMeasuredWidth());
            maxH = Math.max(maxH, child.getMeasuredHeight());
        }
        setMeasuredDimension(defaultSize(maxW + padW, widthMeasureSpec), defaultSize(maxH + padH, heightMeasureSpec));
    }

    @Override protected void onLayout(boolean changed, int left, int top, int right, int bottom) {
        int width = right - left;
        int height = bottom - top;
        for (int i = 0; i < getChildCount(); i++) {
            View child = getChildAt(i);
            if (child.getVisibility() == GONE) continue;
            int cw = child.getMeasuredWidth();
            int ch = child.getMeasuredHeight();
            int gravity = child.getLayoutParams() instanceof LayoutParams ? ((LayoutParams) child.getLayoutParams()).gravity : -1;
            int x = getPaddingLeft();
            int y = getPaddingTop();
            if (gravity != -1 && (gravity & 0x07) == Gravity.CENTER_HORIZONTAL) x = (width - cw) / 2;
            if (gravity != -1 && (gravity & 0x70) == Gravity.CENTER_VERTICAL) y = (height - ch) / 2;
            if (gravity != -1 && (gravity & 0x70) == Gravity.BOTTOM) y = height - ch - getPaddingBottom();
            child.layout(x, y, x + cw, y + ch);
        }
    }

    @Override public CharSequence getAccessibilityClassName() { return FrameLayout.class.getName(); }
}
