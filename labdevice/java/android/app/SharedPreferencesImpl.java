package android.app;

import android.content.SharedPreferences;
import java.util.HashMap;
import java.util.Map;

/** In-memory preferences; EditorImpl is an inner class as on Android (SharedPreferencesImpl$EditorImpl). */
public final class SharedPreferencesImpl implements SharedPreferences {
    private final Map<String, Object> values = new HashMap<>();

    @Override public synchronized String getString(String key, String defValue) {
        Object v = values.get(key);
        return v instanceof String ? (String) v : defValue;
    }

    @Override public synchronized int getInt(String key, int defValue) {
        Object v = values.get(key);
        return v instanceof Integer ? (Integer) v : defValue;
    }

    @Override public synchronized boolean getBoolean(String key, boolean defValue) {
        Object v = values.get(key);
        return v instanceof Boolean ? (Boolean) v : defValue;
    }

    @Override public Editor edit() { return new EditorImpl(); }

    public final class EditorImpl implements Editor {
        private final Map<String, Object> pending = new HashMap<>();

        @Override public Editor putString(String key, String value) { pending.put(key, value); return this; }
        @Override public Editor putInt(String key, int value) { pending.put(key, value); return this; }
        @Override public Editor putBoolean(String key, boolean value) { pending.put(key, value); return this; }
        @Override public Editor remove(String key) { pending.put(key, null); return this; }

        @Override public boolean commit() {
            synchronized (SharedPreferencesImpl.this) {
                for (Map.Entry<String, Object> e : pending.entrySet()) {
                    if (e.getValue() == null) values.remove(e.getKey()); else values.put(e.getKey(), e.getValue());
                }
            }
            pending.clear();
            return true;
        }

        @Override public void apply() { commit(); }
    }
}
