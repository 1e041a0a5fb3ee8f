package android.content.pm;

public class PackageInfo {
    public String packageName;
    public String versionName;
    public ApplicationInfo applicationInfo;

    @Override public String toString() { return "PackageInfo{" + packageName + "}"; }
}
