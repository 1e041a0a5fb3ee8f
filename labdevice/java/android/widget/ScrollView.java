package android.widget;

import android.content.Context;

/** A vertically scrolling FrameLayout (the lab shows the top part). */
public class ScrollView extends FrameLayout {
    public ScrollView(Context context) { super(context); }

    @Override public CharSequence getAccessibilityClassName() { return ScrollView.class.getName(); }
}
