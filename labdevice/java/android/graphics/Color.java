package android.graphics;

public class Color {
    public static final int BLACK = 0xFF000000;
    public static final int DKGRAY = 0xFF444444;
    public static final int GRAY = 0xFF888888;
    public static final int LTGRAY = 0xFFCCCCCC;
    public static final int WHITE = 0xFFFFFFFF;
    public static final int RED = 0xFFFF0000;
    public static final int GREEN = 0xFF00FF00;
    public static final int BLUE = 0xFF0000FF;
    public static final int TRANSPARENT = 0;

    public static int rgb(int red, int green, int blue) { return 0xFF000000 | (red << 16) | (green << 8) | blue; }
    public static int argb(int alpha, int red, int green, int blue) { return (alpha << 24) | (red << 16) | (green << 8) | blue; }

    public static int parseColor(String colorString) {
        if (colorString.charAt(0) != '#') throw new IllegalArgumentException("Unknown color");
        long color = Long.parseLong(colorString.substring(1), 16);
        if (colorString.length() == 7) color |= 0x00000000ff000000L;
        else if (colorString.length() != 9) throw new IllegalArgumentException("Unknown color");
        return (int) color;
    }
}
