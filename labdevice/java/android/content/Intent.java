package android.content;

import android.os.Bundle;

public class Intent {
    public static final String ACTION_MAIN = "android.intent.action.MAIN";
    public static final String CATEGORY_LAUNCHER = "android.intent.category.LAUNCHER";
    public static final int FLAG_ACTIVITY_NEW_TASK = 0x10000000;
    public static final int FLAG_ACTIVITY_CLEAR_TASK = 0x00008000;

    private String action;
    private ComponentName component;
    private int flags;
    private final Bundle extras = new Bundle();

    public Intent() {}
    public Intent(String action) { this.action = action; }
    public Intent(Context packageContext, Class<?> cls) { component = new ComponentName(packageContext, cls); }

    public Intent setClassName(String packageName, String className) { component = new ComponentName(packageName, className); return this; }
    public Intent setClassName(Context packageContext, String className) { component = new ComponentName(packageContext, className); return this; }
    public Intent setComponent(ComponentName component) { this.component = component; return this; }
    public ComponentName getComponent() { return component; }
    public String getAction() { return action; }
    public Intent setAction(String action) { this.action = action; return this; }
    public Intent addFlags(int flags) { this.flags |= flags; return this; }
    public Intent setFlags(int flags) { this.flags = flags; return this; }
    public int getFlags() { return flags; }

    public Intent putExtra(String name, String value) { extras.putString(name, value); return this; }
    public Intent putExtra(String name, int value) { extras.putInt(name, value); return this; }
    public Intent putExtra(String name, boolean value) { extras.putString(name, String.valueOf(value)); return this; }
    public String getStringExtra(String name) { return extras.getString(name); }
    public int getIntExtra(String name, int defaultValue) {
        Object v = extras.get(name);
        return v instanceof Integer ? (Integer) v : defaultValue;
    }
    public boolean getBooleanExtra(String name, boolean defaultValue) {
        String v = extras.getString(name);
        return v == null ? defaultValue : Boolean.parseBoolean(v);
    }
    public Bundle getExtras() { return extras; }

    @Override public String toString() { return "Intent { " + (action != null ? "act=" + action + " " : "") + (component != null ? "cmp=" + component.flattenToShortString() + " " : "") + "}"; }
}
