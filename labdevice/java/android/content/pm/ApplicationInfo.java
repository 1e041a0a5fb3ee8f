package android.content.pm;

public class ApplicationInfo {
    public String packageName;
    public String processName;

    @Override public String toString() { return "ApplicationInfo{" + packageName + "}"; }
}
