package com.android.internal.policy;

import android.content.Context;
import android.widget.FrameLayout;

/** The top view of a window (uiautomator reports it as a FrameLayout). */
public class DecorView extends FrameLayout {
    public DecorView(Context context) { super(context); }

    @Override public CharSequence getAccessibilityClassName() { return FrameLayout.class.getName(); }
}
