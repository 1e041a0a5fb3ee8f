package labdevice;

import android.app.ActivityThread;
import android.app.Dialog;
import android.view.View;
import android.view.ViewGroup;
import android.view.ViewRootImpl;
import android.view.WindowManager;
import android.view.WindowManagerGlobal;
import android.widget.CompoundButton;
import android.widget.PopupWindow;
import android.widget.ScrollView;
import android.widget.TextView;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lab's window manager seen from outside: the window stack as `uiautomator dump` XML, taps
 * dispatched by hit-testing, and the windows' geometry for screenshots. Everything here runs on
 * the app's main thread (the ControlServer posts it there), as input and layout do on Android.
 */
public final class WindowServer {
    public static final int SCREEN_WIDTH = 1080;
    public static final int SCREEN_HEIGHT = 2340;
    private static final Map<Integer, String> NAMES = new HashMap<>();
    private static final Map<ClassLoader, Boolean> NAMED_LOADERS = new HashMap<>();

    private WindowServer() {}

    /** The visible windows, bottom first, laid out for the screen. */
    public static List<ViewRootImpl> visibleWindows() {
        List<ViewRootImpl> out = new ArrayList<>();
        for (ViewRootImpl root : WindowManagerGlobal.getInstance().getRoots()) {
            if (root.getView().getVisibility() != View.VISIBLE) continue;
            root.performLayout(SCREEN_WIDTH, SCREEN_HEIGHT);
            out.add(root);
        }
        return out;
    }

    // --- uiautomator dump -------------------------------------------------------------------
    public static String dumpXml() {
        StringBuilder sb = new StringBuilder("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">");
        List<ViewRootImpl> windows = visibleWindows();
        if (windows.isEmpty()) {
            appendLauncher(sb);
        }
        int index = 0;
        for (ViewRootImpl root : windows) {
            String pkg = root.getWindowAttributes().packageName;
            appendNode(sb, root.getView(), index++, pkg == null ? "" : pkg, root.getFrameLeft(), root.getFrameTop(), screen());
        }
        return sb.append("</hierarchy>").toString();
    }

    private static int[] screen() { return new int[] {0, 0, SCREEN_WIDTH, SCREEN_HEIGHT}; }

    /** No app window: the home screen is showing. */
    private static void appendLauncher(StringBuilder sb) {
        sb.append("<node index=\"0\" text=\"\" resource-id=\"\" class=\"android.widget.FrameLayout\" package=\"com.android.launcher3\" content-desc=\"\" ")
          .append("checkable=\"false\" checked=\"false\" clickable=\"false\" enabled=\"true\" focusable=\"false\" focused=\"false\" scrollable=\"false\" ")
          .append("long-clickable=\"false\" password=\"false\" selected=\"false\" bounds=\"[0,0][").append(SCREEN_WIDTH).append(',').append(SCREEN_HEIGHT).append("]\" />");
    }

    private static void appendNode(StringBuilder sb, View v, int index, String pkg, int originX, int originY, int[] clip) {
        int l = Math.max(clip[0], originX + v.getLeft());
        int t = Math.max(clip[1], originY + v.getTop());
        int r = Math.min(clip[2], originX + v.getRight());
        int b = Math.min(clip[3], originY + v.getBottom());
        if (r < l) r = l;
        if (b < t) b = t;
        String text = v instanceof TextView ? String.valueOf(((TextView) v).getText()) : "";
        boolean checkable = v instanceof CompoundButton;
        CharSequence desc = v.getContentDescription();
        sb.append("<node index=\"").append(index).append("\" text=\"").append(escape(text))
          .append("\" resource-id=\"").append(escape(resourceName(v.getId()))).append("\" class=\"").append(escape(String.valueOf(v.getAccessibilityClassName())))
          .append("\" package=\"").append(escape(pkg)).append("\" content-desc=\"").append(escape(desc == null ? "" : desc.toString()))
          .append("\" checkable=\"").append(checkable).append("\" checked=\"").append(checkable && ((CompoundButton) v).isChecked())
          .append("\" clickable=\"").append(v.isClickable()).append("\" enabled=\"").append(v.isEnabled())
          .append("\" focusable=\"").append(v.isFocusable()).append("\" focused=\"false\" scrollable=\"").append(v instanceof ScrollView)
          .append("\" long-clickable=\"").append(v.isLongClickable()).append("\" password=\"false\" selected=\"").append(v.isSelected())
          .append("\" bounds=\"[").append(l).append(',').append(t).append("][").append(r).append(',').append(b).append("]\"");
        List<View> children = visibleChildren(v);
        if (children.isEmpty()) {
            sb.append(" />");
            return;
        }
        sb.append('>');
        int[] childClip = {l, t, r, b};
        int i = 0;
        for (View child : children) appendNode(sb, child, i++, pkg, originX + v.getLeft(), originY + v.getTop(), childClip);
        sb.append("</node>");
    }

    static List<View> visibleChildren(View v) {
        List<View> out = new ArrayList<>();
        if (!(v instanceof ViewGroup)) return out;
        ViewGroup g = (ViewGroup) v;
        for (int i = 0; i < g.getChildCount(); i++) {
            View c = g.getChildAt(i);
            if (c != null && c.getVisibility() == View.VISIBLE) out.add(c);
        }
        return out;
    }

    /** XmlSerializer's escaping, as uiautomator writes attribute values. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&': sb.append("&amp;"); break;
                case '<': sb.append("&lt;"); break;
                case '>': sb.append("&gt;"); break;
                case '"': sb.append("&quot;"); break;
                case '\n': sb.append("&#10;"); break;
                case '\r': sb.append("&#13;"); break;
                case '\t': sb.append("&#9;"); break;
                default: sb.append(c < 0x20 ? ' ' : c);
            }
        }
        return sb.toString();
    }

    /** "package:id/name" from the framework's android.R.id and the app's own R.id, as aapt names them. */
    static synchronized String resourceName(int id) {
        if (id == View.NO_ID) return "";
        if (NAMES.isEmpty()) collectIds(android.R.id.class, "android");
        android.app.Application app = ActivityThread.currentApplication();
        if (app != null) {
            ClassLoader loader = app.getClassLoader();
            if (!NAMED_LOADERS.containsKey(loader)) {
                NAMED_LOADERS.put(loader, Boolean.TRUE);
                try {
                    collectIds(Class.forName(app.getPackageName() + ".R$id", true, loader), app.getPackageName());
                } catch (ClassNotFoundException | LinkageError e) {
                    // an app without an R class has no named ids
                }
            }
        }
        String name = NAMES.get(id);
        return name == null ? "" : name;
    }

    private static void collectIds(Class<?> rId, String pkg) {
        for (Field f : rId.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers())) {
                try {
                    NAMES.putIfAbsent(f.getInt(null), pkg + ":id/" + f.getName());
                } catch (IllegalAccessException e) {
                    // not readable: no name
                }
            }
        }
    }

    // --- input --------------------------------------------------------------------------------
    /** Delivers a tap at screen (x, y); returns what took it, e.g. "click android.widget.Button 同意". */
    public static String tap(int x, int y) {
        List<ViewRootImpl> windows = visibleWindows();
        for (int w = windows.size() - 1; w >= 0; w--) {
            ViewRootImpl root = windows.get(w);
            boolean inside = x >= root.getFrameLeft() && x < root.getFrameRight() && y >= root.getFrameTop() && y < root.getFrameBottom();
            if (inside) return dispatch(root.getView(), x - root.getFrameLeft(), y - root.getFrameTop());
            Dialog dialog = Dialog.forDecorView(root.getView());
            if (dialog != null) {
                // a dialog window is touch-modal: the outside touch is its own (cancel when allowed)
                return dialog.onTouchOutside() ? "outside: dialog canceled" : "outside: dialog kept";
            }
            if (root.getView() instanceof PopupWindow.PopupDecorView && ((PopupWindow.PopupDecorView) root.getView()).getPopup().onTouchOutside()) {
                return "outside: popup dismissed";
            }
            boolean modal = (root.getWindowAttributes().flags & WindowManager.LayoutParams.FLAG_NOT_TOUCH_MODAL) == 0
                && root.getWindowAttributes().type != WindowManager.LayoutParams.TYPE_APPLICATION_PANEL;
            if (modal && root.getWindowAttributes().type != WindowManager.LayoutParams.TYPE_BASE_APPLICATION) return "outside: window kept";
        }
        return "nothing";
    }

    private static String dispatch(View rootView, int x, int y) {
        List<View> path = new ArrayList<>();
        View v = rootView;
        int ox = 0;
        int oy = 0;
        path.add(v);
        outer:
        while (true) {
            List<View> children = visibleChildren(v);
            for (int i = children.size() - 1; i >= 0; i--) {
                View c = children.get(i);
                int cx = ox + v.getLeft();
                int cy = oy + v.getTop();
                if (x >= cx + c.getLeft() && x < cx + c.getRight() && y >= cy + c.getTop() && y < cy + c.getBottom()) {
                    ox = cx;
                    oy = cy;
                    v = c;
                    path.add(c);
                    continue outer;
                }
            }
            break;
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            View target = path.get(i);
            if (!target.isClickable()) continue;
            String what = target.getAccessibilityClassName() + (target instanceof TextView ? " " + ((TextView) target).getText() : "");
            if (!target.isEnabled()) return "disabled " + what;
            target.performClick();
            return "click " + what;
        }
        return "nothing";
    }
}
