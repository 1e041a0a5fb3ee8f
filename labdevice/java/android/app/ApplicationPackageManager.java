package android.app;

import android.content.pm.ApplicationInfo;
import android.content.pm.PackageInfo;
import android.content.pm.PackageManager;
import java.util.ArrayList;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Android's concrete PackageManager: the installed-app list is personal data (MIIT). */
public class ApplicationPackageManager extends PackageManager {
    @Override public List<PackageInfo> getInstalledPackages(int flags) {
        Calls.hit("android.app.ApplicationPackageManager.getInstalledPackages");
        List<PackageInfo> out = new ArrayList<>();
        for (String name : DeviceProfile.installedApps()) {
            PackageInfo info = new PackageInfo();
            info.packageName = name;
            info.versionName = "1.0";
            info.applicationInfo = application(name);
            out.add(info);
        }
        return out;
    }

    @Override public List<ApplicationInfo> getInstalledApplications(int flags) {
        Calls.hit("android.app.ApplicationPackageManager.getInstalledApplications");
        List<ApplicationInfo> out = new ArrayList<>();
        for (String name : DeviceProfile.installedApps()) out.add(application(name));
        return out;
    }

    /**
     * One package by name: an app probing for others calls this in a loop (a
     * NameNotFoundException answers "not installed"), the installed-app list by other means.
     */
    @Override public PackageInfo getPackageInfo(String packageName, int flags) throws NameNotFoundException {
        Calls.hit("android.app.ApplicationPackageManager.getPackageInfo");
        if (!DeviceProfile.installedApps().contains(packageName)) throw new NameNotFoundException(packageName);
        PackageInfo info = new PackageInfo();
        info.packageName = packageName;
        info.versionName = "1.0";
        info.applicationInfo = application(packageName);
        return info;
    }

    @Override public ApplicationInfo getApplicationInfo(String packageName, int flags) throws NameNotFoundException {
        Calls.hit("android.app.ApplicationPackageManager.getApplicationInfo");
        if (!DeviceProfile.installedApps().contains(packageName)) throw new NameNotFoundException(packageName);
        return application(packageName);
    }

    private static ApplicationInfo application(String name) {
        ApplicationInfo info = new ApplicationInfo();
        info.packageName = name;
        info.processName = name;
        return info;
    }
}
