package android.os;

import java.util.LinkedHashMap;
import java.util.Map;

/** A key/value bag, as Android passes between components. */
public final class Bundle {
    private final Map<String, Object> values = new LinkedHashMap<>();

    public void putString(String key, String value) { values.put(key, value); }
    public void putLong(String key, long value) { values.put(key, value); }
    public void putInt(String key, int value) { values.put(key, value); }
    public String getString(String key) { Object v = values.get(key); return v == null ? null : v.toString(); }
    public java.util.Set<String> keySet() { return values.keySet(); }
    public Object get(String key) { return values.get(key); }
}
