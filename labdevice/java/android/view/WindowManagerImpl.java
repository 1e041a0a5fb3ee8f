package android.view;

import android.content.Context;

public final class WindowManagerImpl implements WindowManager {
    private final Context mContext;

    public WindowManagerImpl(Context context) { mContext = context; }

    @Override public void addView(View view, ViewGroup.LayoutParams params) {
        if (params instanceof LayoutParams && ((LayoutParams) params).packageName == null && mContext != null) {
            ((LayoutParams) params).packageName = mContext.getPackageName();
        }
        if (params instanceof LayoutParams && ((LayoutParams) params).token == null) ((LayoutParams) params).token = mContext;
        WindowManagerGlobal.getInstance().addView(view, params);
    }

    @Override public void updateViewLayout(View view, ViewGroup.LayoutParams params) {
        WindowManagerGlobal.getInstance().updateViewLayout(view, params);
    }

    @Override public void removeView(View view) { WindowManagerGlobal.getInstance().removeView(view); }

    @Override public void removeViewImmediate(View view) { WindowManagerGlobal.getInstance().removeView(view); }
}
