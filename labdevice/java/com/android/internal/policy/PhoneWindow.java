package com.android.internal.policy;

import android.content.Context;
import android.view.View;
import android.view.ViewGroup;
import android.view.Window;
import android.widget.FrameLayout;

/** The Window of activities and dialogs: a DecorView holding android:id/content. */
public class PhoneWindow extends Window {
    private DecorView mDecor;
    private FrameLayout mContentParent;
    private CharSequence mTitle = "";

    public PhoneWindow(Context context) { super(context); }

    private void installDecor() {
        if (mDecor != null) return;
        mDecor = new DecorView(getContext());
        mContentParent = new FrameLayout(getContext());
        mContentParent.setId(android.R.id.content);
        mDecor.addView(mContentParent, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT));
    }

    @Override public void setContentView(View view) {
        setContentView(view, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.MATCH_PARENT));
    }

    @Override public void setContentView(View view, ViewGroup.LayoutParams params) {
        installDecor();
        mContentParent.removeAllViews();
        mContentParent.addView(view, params);
    }

    @Override public View getDecorView() {
        installDecor();
        return mDecor;
    }

    @Override public View peekDecorView() { return mDecor; }

    @Override public void setTitle(CharSequence title) {
        mTitle = title == null ? "" : title;
        getAttributes().setTitle(mTitle);
    }
}
