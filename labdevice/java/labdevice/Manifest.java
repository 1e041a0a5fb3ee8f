package labdevice;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** What the package manager knows of an installed lab app, read from its AndroidManifest.xml. */
public final class Manifest {
    private static final String ANDROID_NS = "http://schemas.android.com/apk/res/android";
    public String packageName;
    public String versionName = "";
    public String applicationClass;
    public String launcherActivity;
    public final List<String> permissions = new ArrayList<>();
    /** Service class -> its full process name (package + ":name"), for services declared with android:process. */
    public final Map<String, String> serviceProcesses = new LinkedHashMap<>();

    public static Manifest readFromApk(String apkPath) {
        try (JarFile apk = new JarFile(apkPath)) {
            ZipEntry entry = apk.getEntry("AndroidManifest.xml");
            if (entry == null) throw new IllegalArgumentException(apkPath + " has no AndroidManifest.xml");
            try (InputStream in = apk.getInputStream(entry)) {
                return parse(in);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + apkPath + ": " + e.getMessage());
        }
    }

    static Manifest parse(InputStream in) {
        Document doc;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setExpandEntityReferences(false);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = factory.newDocumentBuilder().parse(in);
        } catch (Exception e) {
            throw new IllegalArgumentException("AndroidManifest.xml is not valid XML: " + e.getMessage());
        }
        Element root = doc.getDocumentElement();
        Manifest m = new Manifest();
        m.packageName = root.getAttribute("package");
        if (m.packageName.isEmpty()) throw new IllegalArgumentException("AndroidManifest.xml has no package");
        m.versionName = root.getAttributeNS(ANDROID_NS, "versionName");
        for (Element perm : elements(root, "uses-permission")) m.permissions.add(perm.getAttributeNS(ANDROID_NS, "name"));
        List<Element> apps = elements(root, "application");
        if (apps.isEmpty()) return m;
        Element app = apps.get(0);
        String appName = app.getAttributeNS(ANDROID_NS, "name");
        m.applicationClass = appName.isEmpty() ? null : m.className(appName);
        for (Element activity : elements(app, "activity")) {
            for (Element filter : elements(activity, "intent-filter")) {
                boolean main = false;
                boolean launcher = false;
                for (Element a : elements(filter, "action")) main |= "android.intent.action.MAIN".equals(a.getAttributeNS(ANDROID_NS, "name"));
                for (Element c : elements(filter, "category")) launcher |= "android.intent.category.LAUNCHER".equals(c.getAttributeNS(ANDROID_NS, "name"));
                if (main && launcher && m.launcherActivity == null) m.launcherActivity = m.className(activity.getAttributeNS(ANDROID_NS, "name"));
            }
        }
        for (Element service : elements(app, "service")) {
            String process = service.getAttributeNS(ANDROID_NS, "process");
            String cls = m.className(service.getAttributeNS(ANDROID_NS, "name"));
            m.serviceProcesses.put(cls, process.isEmpty() ? m.packageName : process.startsWith(":") ? m.packageName + process : process);
        }
        return m;
    }

    /** ".MainActivity" and "MainActivity" are relative to the package, as aapt resolves them. */
    String className(String name) {
        if (name.startsWith(".")) return packageName + name;
        return name.contains(".") ? name : packageName + "." + name;
    }

    private static List<Element> elements(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element && ((Element) nodes.item(i)).getTagName().equals(tag)) out.add((Element) nodes.item(i));
        }
        return out;
    }
}
