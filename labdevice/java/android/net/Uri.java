package android.net;

/** A content:// or http(s):// address; only what the lab apps use. */
public class Uri {
    private final String text;

    private Uri(String text) { this.text = text; }

    public static Uri parse(String uriString) { return new Uri(uriString); }

    public String getScheme() {
        int colon = text.indexOf(':');
        return colon < 0 ? null : text.substring(0, colon);
    }

    public String getAuthority() {
        int start = text.indexOf("://");
        if (start < 0) return null;
        int end = text.indexOf('/', start + 3);
        return end < 0 ? text.substring(start + 3) : text.substring(start + 3, end);
    }

    public String getPath() {
        String authority = getAuthority();
        if (authority == null) return null;
        int start = text.indexOf(authority) + authority.length();
        return start >= text.length() ? "" : text.substring(start);
    }

    @Override public String toString() { return text; }
}
