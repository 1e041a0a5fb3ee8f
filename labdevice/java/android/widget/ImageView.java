package android.widget;

import android.content.Context;
import android.view.View;

public class ImageView extends View {
    private int resId;

    public ImageView(Context context) { super(context); }

    public void setImageResource(int resId) { this.resId = resId; invalidate(); }
    public int getLabImageResource() { return resId; }

    @Override protected void onMeasure(int widthMeasureSpec, int heightMeasureSpec) {
        setMeasuredDimension(defaultSize(144, widthMeasureSpec), defaultSize(144, heightMeasureSpec));
    }

    @Override public CharSequence getAccessibilityClassName() { return ImageView.class.getName(); }
}
