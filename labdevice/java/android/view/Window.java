package android.view;

import android.content.Context;

/** A top-level window's look and behaviour; PhoneWindow is the implementation. */
public abstract class Window {
    public static final int FEATURE_NO_TITLE = 1;
    private final Context mContext;
    private final WindowManager.LayoutParams mWindowAttributes = new WindowManager.LayoutParams();

    public Window(Context context) { mContext = context; }

    public final Context getContext() { return mContext; }

    public final WindowManager.LayoutParams getAttributes() { return mWindowAttributes; }

    public void setAttributes(WindowManager.LayoutParams a) {
        mWindowAttributes.width = a.width;
        mWindowAttributes.height = a.height;
        mWindowAttributes.gravity = a.gravity;
        mWindowAttributes.x = a.x;
        mWindowAttributes.y = a.y;
        mWindowAttributes.flags = a.flags;
        mWindowAttributes.dimAmount = a.dimAmount;
    }

    public void setLayout(int width, int height) {
        mWindowAttributes.width = width;
        mWindowAttributes.height = height;
    }

    public void setGravity(int gravity) { mWindowAttributes.gravity = gravity; }
    public void addFlags(int flags) { mWindowAttributes.flags |= flags; }
    public void clearFlags(int flags) { mWindowAttributes.flags &= ~flags; }
    public void setDimAmount(float amount) { mWindowAttributes.dimAmount = amount; }
    public boolean requestFeature(int featureId) { return true; }

    public abstract void setContentView(View view);
    public abstract void setContentView(View view, ViewGroup.LayoutParams params);
    public abstract View getDecorView();
    public abstract View peekDecorView();
    public abstract void setTitle(CharSequence title);

    public <T extends View> T findViewById(int id) { return getDecorView().findViewById(id); }
}
