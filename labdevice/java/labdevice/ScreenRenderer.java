package labdevice;

import android.app.Dialog;
import android.view.View;
import android.view.ViewRootImpl;
import android.view.WindowManager;
import android.widget.Button;
import android.widget.CompoundButton;
import android.widget.ImageView;
import android.widget.PopupWindow;
import android.widget.TextView;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GraphicsEnvironment;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import javax.imageio.ImageIO;

/** Draws the window stack into a PNG with Java2D (headless), in a font that has CJK glyphs. */
public final class ScreenRenderer {
    private static final String[] CJK_FAMILIES = {"WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Droid Sans Fallback", "AR PL UMing CN"};
    private static volatile String family;

    private ScreenRenderer() {}

    /** The font family used for text: the first installed one that can draw 同意. */
    public static String fontFamily() {
        if (family == null) {
            String found = Font.SANS_SERIF;
            java.util.Set<String> installed = new java.util.HashSet<>(java.util.Arrays.asList(
                GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames()));
            for (String name : CJK_FAMILIES) {
                if (installed.contains(name) && new Font(name, Font.PLAIN, 12).canDisplayUpTo("同意隐私") == -1) {
                    found = name;
                    break;
                }
            }
            family = found;
        }
        return family;
    }

    /** Loads the imaging classes before the app starts (a phone's zygote has them preloaded). */
    public static void preload() {
        png(List.of());
    }

    /** The PNG of the given windows (bottom first, already laid out). */
    public static byte[] png(List<ViewRootImpl> windows) {
        BufferedImage image = new BufferedImage(WindowServer.SCREEN_WIDTH, WindowServer.SCREEN_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(new Color(0xFAFAFA));
            g.fillRect(0, 0, WindowServer.SCREEN_WIDTH, WindowServer.SCREEN_HEIGHT);
            g.setFont(new Font(fontFamily(), Font.PLAIN, 42));
            g.drawString(" ", 0, 0);
            for (ViewRootImpl root : windows) drawWindow(g, root);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void drawWindow(Graphics2D g, ViewRootImpl root) {
        WindowManager.LayoutParams lp = root.getWindowAttributes();
        int x = root.getFrameLeft();
        int y = root.getFrameTop();
        int w = root.getFrameRight() - x;
        int h = root.getFrameBottom() - y;
        if ((lp.flags & WindowManager.LayoutParams.FLAG_DIM_BEHIND) != 0) {
            g.setColor(new Color(0, 0, 0, Math.round(lp.dimAmount * 255)));
            g.fillRect(0, 0, WindowServer.SCREEN_WIDTH, WindowServer.SCREEN_HEIGHT);
        }
        g.setColor(Color.WHITE);
        if (Dialog.forDecorView(root.getView()) != null) g.fillRoundRect(x, y, w, h, 36, 36);
        else g.fillRect(x, y, w, h);
        if (root.getView() instanceof PopupWindow.PopupDecorView) {
            g.setColor(new Color(0xBDBDBD));
            g.drawRect(x, y, w - 1, h - 1);
        }
        drawView(g, root.getView(), x, y);
    }

    private static void drawView(Graphics2D g, View v, int originX, int originY) {
        int x = originX + v.getLeft();
        int y = originY + v.getTop();
        int w = v.getWidth();
        int h = v.getHeight();
        if (v.getBackgroundColorValue() != 0) {
            g.setColor(new Color(v.getBackgroundColorValue(), true));
            g.fillRect(x, y, w, h);
        }
        if (v instanceof CompoundButton) {
            CompoundButton box = (CompoundButton) v;
            int size = 54;
            int bx = x + 36;
            int by = y + (h - size) / 2;
            g.setColor(box.isChecked() ? new Color(0x1A73E8) : Color.WHITE);
            g.fillRect(bx, by, size, size);
            g.setColor(box.isChecked() ? new Color(0x1A73E8) : new Color(0x757575));
            g.setStroke(new BasicStroke(5));
            g.drawRect(bx, by, size, size);
            if (box.isChecked()) {
                g.setColor(Color.WHITE);
                g.drawPolyline(new int[] {bx + 10, bx + 23, bx + 44}, new int[] {by + 28, by + 41, by + 14}, 3);
            }
        } else if (v instanceof Button && ((Button) v).getBackgroundColorValue() == 0 && v.getId() != android.R.id.button1
                   && v.getId() != android.R.id.button2 && v.getId() != android.R.id.button3) {
            g.setColor(v.isEnabled() ? new Color(0xE8EAED) : new Color(0xF1F3F4));
            g.fillRoundRect(x + 6, y + 6, w - 12, h - 12, 24, 24);
        } else if (v instanceof ImageView) {
            g.setColor(new Color(0xCFD8DC));
            g.fillRoundRect(x, y, w, h, 24, 24);
        }
        if (v instanceof TextView) drawText(g, (TextView) v, x, y, w, h);
        for (View child : WindowServer.visibleChildren(v)) drawView(g, child, x, y);
    }

    private static void drawText(Graphics2D g, TextView tv, int x, int y, int w, int h) {
        float size = tv.getTextSize();
        g.setFont(new Font(fontFamily(), tv.isLabBold() ? Font.BOLD : Font.PLAIN, Math.round(size)));
        g.setColor(new Color(tv.labTextColor(), true));
        int contentW = Math.max(1, w - tv.getPaddingLeft() - tv.getPaddingRight());
        List<String> lines = tv.breakLines(contentW);
        int lineH = tv.getLineHeight();
        int gravity = tv.getGravity();
        int textH = lines.size() * lineH;
        int top = y + tv.getPaddingTop();
        if ((gravity & 0x70) == 0x10) top = y + (h - textH) / 2;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int lineW = Math.round(TextView.lineWidth(line, size));
            int left = x + tv.getPaddingLeft();
            if ((gravity & 0x07) == 0x01) left = x + (w - lineW) / 2;
            g.drawString(line, left, top + i * lineH + Math.round(size));
        }
    }
}
