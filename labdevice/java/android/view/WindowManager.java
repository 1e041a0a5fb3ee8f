package android.view;

public interface WindowManager extends ViewManager {
    void removeViewImmediate(View view);

    class BadTokenException extends android.util.AndroidRuntimeException {
        public BadTokenException() {}
        public BadTokenException(String name) { super(name); }
    }

    class LayoutParams extends ViewGroup.LayoutParams {
        public static final int TYPE_BASE_APPLICATION = 1;
        public static final int TYPE_APPLICATION = 2;
        public static final int TYPE_APPLICATION_PANEL = 1000;
        public static final int FLAG_DIM_BEHIND = 0x00000002;
        public static final int FLAG_NOT_FOCUSABLE = 0x00000008;
        public static final int FLAG_NOT_TOUCH_MODAL = 0x00000020;
        public static final int FLAG_FULLSCREEN = 0x00000400;

        public int type = TYPE_APPLICATION;
        public int flags;
        public int gravity;
        public int x;
        public int y;
        public float dimAmount = 0.6f;
        private CharSequence title = "";
        public String packageName;
        /** The window's owner (Android: the activity's IBinder); sub-windows stay above their owner's base window. */
        public Object token;

        public LayoutParams() { super(MATCH_PARENT, MATCH_PARENT); }
        public LayoutParams(int type) { this(); this.type = type; }
        public LayoutParams(int w, int h, int type, int flags, int format) {
            super(w, h);
            this.type = type;
            this.flags = flags;
        }

        public final void setTitle(CharSequence title) { this.title = title == null ? "" : title; }
        public final CharSequence getTitle() { return title; }
    }
}
