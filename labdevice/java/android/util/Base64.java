package android.util;

/** android.util.Base64 with Android's flag semantics, built on java.util.Base64. */
public class Base64 {
    public static final int DEFAULT = 0;
    public static final int NO_PADDING = 1;
    public static final int NO_WRAP = 2;
    public static final int CRLF = 4;
    public static final int URL_SAFE = 8;

    public static String encodeToString(byte[] input, int flags) {
        java.util.Base64.Encoder enc = (flags & URL_SAFE) != 0 ? java.util.Base64.getUrlEncoder() : java.util.Base64.getEncoder();
        if ((flags & NO_PADDING) != 0) enc = enc.withoutPadding();
        String out = enc.encodeToString(input);
        if ((flags & NO_WRAP) == 0) out = wrap(out, (flags & CRLF) != 0 ? "\r\n" : "\n");
        return out;
    }

    public static byte[] decode(String str, int flags) {
        String clean = str.replaceAll("\\s", "");
        return (flags & URL_SAFE) != 0 ? java.util.Base64.getUrlDecoder().decode(clean) : java.util.Base64.getDecoder().decode(clean);
    }

    private static String wrap(String s, String eol) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i += 76) {
            sb.append(s, i, Math.min(s.length(), i + 76)).append(eol);
        }
        return sb.toString();
    }
}
