package android.widget;

import android.content.Context;
import android.view.Gravity;
import android.view.View;
import android.view.ViewGroup;

public class LinearLayout extends ViewGroup {
    public static final int HORIZONTAL = 0;
    public static final int VERTICAL = 1;
    private int orientation = HORIZONTAL;
    private int gravity = Gravity.START | Gravity.TOP;

    public LinearLayout(Context context) { super(context); }

    public static class LayoutParams extends ViewGroup.MarginLayoutParams {
        public float weight;
        public int gravity = -1;

        public LayoutParams(int width, int height) { super(width, height); }
        public LayoutParams(int width, int height, float weight) { super(width, height); this.weight = weight; }
        public LayoutParams(ViewGroup.LayoutParams source) { super(source); }
    }

    public void setOrientation(int orientation) { this.orientation = orientation; requestLayout(); }
    public int getOrientation() { return orientation; }
    public void setGravity(int gravity) { this.gravity = gravity; requestLayout(); }
    public int getGravity() { return gravity; }

    @Override protected ViewGroup.LayoutParams generateDefaultLayoutParams() {
        return orientation == VERTICAL
            ? new LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT)
            : new LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT);
    }

    private static int[] margins(View child) {
        ViewGroup.LayoutParams lp = child.getLayoutParams();
        if (lp instanceof MarginLayoutParams) {
            MarginLayoutParams m = (MarginLayoutParams) lp;
            return new int[] {m.leftMargin, m.topMargin, m.rightMargin, m.bottomMargin};
        }
        return new int[4];
    }

    private static float weight(View child) {
        return child.getLayoutParams() instanceof LayoutParams ? ((LayoutParams) child.getLayoutParams()).weight : 0f;
    }

    @Override protected void onMeasure(int widthMeasureSpec, int heightMeasureSpec) {
        if (orientation == VERTICAL) measureVertical(widthMeasureSpec, heightMeasureSpec);
        else measureHorizontal(widthMeasureSpec, heightMeasureSpec);
    }

    private void measureVertical(int widthSpec, int heightSpec) {
        int padW = getPaddingLeft() + getPaddingRight();
        int padH = getPaddingTop() + getPaddingBottom();
        int total = 0;
        int maxW = 0;
        int available = MeasureSpec.getMode(heightSpec) == MeasureSpec.UNSPECIFIED ? Integer.MAX_VALUE / 4 : MeasureSpec.getSize(heightSpec) - padH;
        for (int i = 0; i < getChildCount(); i++) {
            View child = getChildAt(i);
            if (child.getVisibility() == GONE) continue;
            int[] m = margins(child);
            ViewGroup.LayoutParams lp = child.getLayoutParams();
            int childH = lp.height >= 0 ? MeasureSpec.makeMeasureSpec(lp.height, MeasureSpec.EXACTLY)
                : MeasureSpec.makeMeasureSpec(Math.max(0, available - total - m[1] - m[3]), MeasureSpec.AT_MOST);
            child.measure(getChildMeasureSpec(widthSpec, padW + m[0] + m[2], lp.width), childH);
            total += child.getMeasuredHeight() + m[1] + m[3];
            maxW = Math.max(maxW, child.getMeasuredWidth() + m[0] + m[2]);
        }
        setMeasuredDimension(defaultSize(maxW + padW, widthSpec), defaultSize(total + padH, heightSpec));
    }

    private void measureHorizontal(int widthSpec, int heightSpec) {
        int padW = getPaddingLeft() + getPaddingRight();
        int padH = getPaddingTop() + getPaddingBottom();
        int size = MeasureSpec.getMode(widthSpec) == MeasureSpec.UNSPECIFIED ? Integer.MAX_VALUE / 4 : MeasureSpec.getSize(widthSpec);
        int remaining = size - padW;
        float totalWeight = 0;
        int maxH = 0;
        int used = 0;
        for (int i = 0; i < getChildCount(); i++) {
            View child = getChildAt(i);
            if (child.getVisibility() == GONE) continue;
            int[] m = margins(child);
            remaining -= m[0] + m[2];
            used += m[0] + m[2];
            if (weight(child) > 0) {
                totalWeight += weight(child);
                continue;
            }
            ViewGroup.LayoutParams lp = child.getLayoutParams();
            child.measure(getChildMeasureSpec(MeasureSpec.makeMeasureSpec(Math.max(0, remaining), MeasureSpec.AT_MOST), 0, lp.width),
                          getChildMeasureSpec(heightSpec, padH + m[1] + m[3], lp.height));
            remaining -= child.getMeasuredWidth();
            used += child.getMeasuredWidth();
            maxH = Math.max(maxH, child.getMeasuredHeight() + m[1] + m[3]);
        }
        if (totalWeight > 0) {
            int share = Math.max(0, remaining);
            for (int i = 0; i < getChildCount(); i++) {
                View child = getChildAt(i);
                if (child.getVisibility() == GONE || weight(child) <= 0) continue;
                int[] m = margins(child);
                int w = (int) (share * weight(child) / totalWeight);
                child.measure(MeasureSpec.makeMeasureSpec(w, MeasureSpec.EXACTLY),
                              getChildMeasureSpec(heightSpec, padH + m[1] + m[3], child.getLayoutParams().height));
                used += w;
                maxH = Math.max(maxH, child.getMeasuredHeight() + m[1] + m[3]);
            }
        }
        setMeasuredDimension(defaultSize(used + padW, widthSpec), defaultSize(maxH + padH, heightSpec));
    }

    @Override protected void onLayout(boolean changed, int left, int top, int right, int bottom) {
        int width = right - left;
        int height = bottom - top;
        int x = getPaddingLeft();
        int y = getPaddingTop();
        for (int i = 0; i < getChildCount(); i++) {
            View child = getChildAt(i);
            if (child.getVisibility() == GONE) continue;
            int[] m = margins(child);
            int cw = child.getMeasuredWidth();
            int ch = child.getMeasuredHeight();
            if (orientation == VERTICAL) {
                int cx = x + m[0];
                if ((gravity & 0x07) == Gravity.CENTER_HORIZONTAL) cx = (width - cw) / 2;
                y += m[1];
                child.layout(cx, y, cx + cw, y + ch);
                y += ch + m[3];
            } else {
                x += m[0];
                int cy = (gravity & 0x70) == Gravity.TOP && (gravity & 0x70) != Gravity.CENTER_VERTICAL ? y + m[1] : (height - ch) / 2;
                child.layout(x, cy, x + cw, cy + ch);
                x += cw + m[2];
            }
        }
    }

    @Override public CharSequence getAccessibilityClassName() { return LinearLayout.class.getName(); }
}
