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

    private static ApplicationInfo application(String name) {
        ApplicationInfo info = new ApplicationInfo();
        info.packageName = name;
        info.processName = name;
        return info;
    }
}
