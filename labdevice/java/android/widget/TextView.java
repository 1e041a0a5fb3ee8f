package android.widget;

import android.content.Context;
import android.graphics.Color;
import android.util.TypedValue;
import android.view.Gravity;
import android.view.View;
import java.util.ArrayList;
import java.util.List;

/**
 * Text on screen. The lab lays text out with fixed advance widths (full-width characters one
 * em, others 0.55 em) so bounds in UI dumps are the same on every machine.
 */
public class TextView extends View {
    private static final float DENSITY = 3.0f;
    private CharSequence text = "";
    private float textSizePx = 14 * DENSITY;
    private int textColor = 0xFF212121;
    private int gravity = Gravity.TOP | Gravity.START;
    private boolean bold;

    public TextView(Context context) { super(context); }

    public CharSequence getText() { return text; }

    public void setText(CharSequence text) {
        this.text = text == null ? "" : text;
        requestLayout();
        invalidate();
    }

    public void setText(int resid) { setText(String.valueOf(resid)); }

    public final void append(CharSequence more) { setText(String.valueOf(text) + more); }

    public void setTextSize(float sizeSp) { setTextSize(TypedValue.COMPLEX_UNIT_SP, sizeSp); }

    public void setTextSize(int unit, float size) {
        textSizePx = unit == TypedValue.COMPLEX_UNIT_PX ? size : size * DENSITY;
        requestLayout();
        invalidate();
    }

    public float getTextSize() { return textSizePx; }

    public void setTextColor(int color) { textColor = color; invalidate(); }
    public final int getCurrentTextColor() { return textColor; }
    public void setGravity(int gravity) { this.gravity = gravity; invalidate(); }
    public int getGravity() { return gravity; }

    /** Typeface.BOLD style through the Paint, as apps do with getPaint().setFakeBoldText(true). */
    public void setTypeface(Object typeface, int style) { bold = (style & 1) != 0; invalidate(); }
    public boolean isLabBold() { return bold; }

    public int getLineHeight() { return Math.round(textSizePx * 1.35f); }

    /** Advance width of one character in the lab's fixed-width text model. */
    public static float advance(char c, float sizePx) {
        boolean wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3)
            || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6);
        return wide ? sizePx : sizePx * 0.55f;
    }

    /** The text broken into lines that fit the given width. */
    public List<String> breakLines(int width) {
        List<String> lines = new ArrayList<>();
        String s = String.valueOf(text);
        for (String paragraph : s.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            float w = 0;
            for (int i = 0; i < paragraph.length(); i++) {
                char c = paragraph.charAt(i);
                float a = advance(c, textSizePx);
                if (w + a > width && line.length() > 0) {
                    lines.add(line.toString());
                    line.setLength(0);
                    w = 0;
                }
                line.append(c);
                w += a;
            }
            lines.add(line.toString());
        }
        return lines;
    }

    public static float lineWidth(String line, float sizePx) {
        float w = 0;
        for (int i = 0; i < line.length(); i++) w += advance(line.charAt(i), sizePx);
        return w;
    }

    @Override protected void onMeasure(int widthMeasureSpec, int heightMeasureSpec) {
        int padW = getPaddingLeft() + getPaddingRight();
        int padH = getPaddingTop() + getPaddingBottom();
        int avail = MeasureSpec.getMode(widthMeasureSpec) == MeasureSpec.UNSPECIFIED ? Integer.MAX_VALUE / 4 : MeasureSpec.getSize(widthMeasureSpec);
        List<String> lines = breakLines(Math.max(1, avail - padW));
        float textW = 0;
        for (String line : lines) textW = Math.max(textW, lineWidth(line, textSizePx));
        int wanted = (int) Math.ceil(textW) + padW;
        setMeasuredDimension(defaultSize(Math.max(wanted, minWidth()), widthMeasureSpec),
                             defaultSize(Math.max(lines.size() * getLineHeight() + padH, minHeight()), heightMeasureSpec));
    }

    protected int minWidth() { return 0; }
    protected int minHeight() { return 0; }

    /** Color of the text as the lab renderer draws it (disabled views are greyed). */
    public int labTextColor() { return isEnabled() ? textColor : Color.GRAY; }

    @Override public CharSequence getAccessibilityClassName() { return TextView.class.getName(); }

    @Override public String toString() { return getClass().getName() + "{\"" + text + "\"}"; }
}
