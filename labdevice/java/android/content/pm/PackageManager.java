package android.content.pm;

import java.util.List;

public abstract class PackageManager {
    public static final int GET_META_DATA = 0x80;

    public abstract List<PackageInfo> getInstalledPackages(int flags);
    public abstract List<ApplicationInfo> getInstalledApplications(int flags);
}
