package android.widget;

import android.content.Context;
import android.view.Gravity;

public class Button extends TextView {
    public Button(Context context) {
        super(context);
        setClickable(true);
        setFocusable(true);
        setGravity(Gravity.CENTER);
        setPadding(48, 30, 48, 30);
    }

    @Override protected int minWidth() { return 264; }
    @Override protected int minHeight() { return 144; }

    @Override public CharSequence getAccessibilityClassName() { return Button.class.getName(); }
}
