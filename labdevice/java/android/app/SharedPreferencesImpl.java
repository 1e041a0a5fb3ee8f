package android.app;

import android.content.SharedPreferences;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Preferences kept in data/data/PACKAGE/shared_prefs/NAME.xml in Android's own file format,
 * so a value written in one run is there in the next until the app's data is cleared.
 * EditorImpl is an inner class as on Android (SharedPreferencesImpl$EditorImpl).
 */
public final class SharedPreferencesImpl implements SharedPreferences {
    private static final Pattern ENTRY = Pattern.compile(
        "<(string|boolean|int|long|float) name=\"([^\"]*)\"(?: value=\"([^\"]*)\" />|>(.*?)</string>)", Pattern.DOTALL);
    private final File file;
    private final Map<String, Object> values = new HashMap<>();

    public SharedPreferencesImpl(File file) {
        this.file = file;
        load();
    }

    private void load() {
        if (file == null || !file.isFile()) return;
        try {
            String xml = new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8);
            Matcher m = ENTRY.matcher(xml);
            while (m.find()) {
                String name = unescape(m.group(2));
                switch (m.group(1)) {
                    case "string": values.put(name, unescape(m.group(4))); break;
                    case "boolean": values.put(name, Boolean.parseBoolean(m.group(3))); break;
                    case "int": values.put(name, Integer.parseInt(m.group(3))); break;
                    case "long": values.put(name, Long.parseLong(m.group(3))); break;
                    default: values.put(name, Float.parseFloat(m.group(3))); break;
                }
            }
        } catch (IOException | RuntimeException e) {
            values.clear();  // a damaged file reads as empty, as Android's loader does
        }
    }

    @Override public synchronized String getString(String key, String defValue) {
        Object v = values.get(key);
        return v instanceof String ? (String) v : defValue;
    }

    @Override public synchronized int getInt(String key, int defValue) {
        Object v = values.get(key);
        return v instanceof Integer ? (Integer) v : defValue;
    }

    @Override public synchronized long getLong(String key, long defValue) {
        Object v = values.get(key);
        return v instanceof Long ? (Long) v : defValue;
    }

    @Override public synchronized boolean getBoolean(String key, boolean defValue) {
        Object v = values.get(key);
        return v instanceof Boolean ? (Boolean) v : defValue;
    }

    @Override public synchronized boolean contains(String key) { return values.containsKey(key); }

    @Override public synchronized Map<String, ?> getAll() { return new HashMap<>(values); }

    @Override public Editor edit() { return new EditorImpl(); }

    private synchronized void writeToDisk() {
        if (file == null) return;
        StringBuilder sb = new StringBuilder("<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n");
        for (Map.Entry<String, Object> e : new TreeMap<>(values).entrySet()) {
            Object v = e.getValue();
            String name = escape(e.getKey());
            if (v instanceof String) sb.append("    <string name=\"").append(name).append("\">").append(escape((String) v)).append("</string>\n");
            else {
                String type = v instanceof Boolean ? "boolean" : v instanceof Integer ? "int" : v instanceof Long ? "long" : "float";
                sb.append("    <").append(type).append(" name=\"").append(name).append("\" value=\"").append(v).append("\" />\n");
            }
        }
        sb.append("</map>\n");
        try {
            File dir = file.getParentFile();
            if (dir != null) dir.mkdirs();
            File tmp = new File(file.getPath() + ".bak");
            Files.write(tmp.toPath(), sb.toString().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage());
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String unescape(String s) {
        return s.replace("&quot;", "\"").replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&");
    }

    public final class EditorImpl implements Editor {
        private final Map<String, Object> pending = new HashMap<>();
        private boolean clear;

        @Override public Editor putString(String key, String value) { pending.put(key, value); return this; }
        @Override public Editor putInt(String key, int value) { pending.put(key, value); return this; }
        @Override public Editor putBoolean(String key, boolean value) { pending.put(key, value); return this; }
        @Override public Editor putLong(String key, long value) { pending.put(key, value); return this; }
        @Override public Editor remove(String key) { pending.put(key, null); return this; }
        @Override public Editor clear() { clear = true; return this; }

        @Override public boolean commit() {
            synchronized (SharedPreferencesImpl.this) {
                if (clear) values.clear();
                for (Map.Entry<String, Object> e : pending.entrySet()) {
                    if (e.getValue() == null) values.remove(e.getKey()); else values.put(e.getKey(), e.getValue());
                }
                writeToDisk();
            }
            pending.clear();
            clear = false;
            return true;
        }

        @Override public void apply() { commit(); }
    }
}
