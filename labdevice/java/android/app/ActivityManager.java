package android.app;

import java.util.ArrayList;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;

public class ActivityManager {
    private final String ownPackage;

    public ActivityManager(String ownPackage) { this.ownPackage = ownPackage; }

    public List<RunningAppProcessInfo> getRunningAppProcesses() {
        Calls.hit("android.app.ActivityManager.getRunningAppProcesses");
        List<RunningAppProcessInfo> out = new ArrayList<>();
        out.add(new RunningAppProcessInfo(ownPackage, (int) ProcessHandle.current().pid()));
        int pid = 2100;
        for (String name : DeviceProfile.installedApps()) out.add(new RunningAppProcessInfo(name, pid++));
        return out;
    }

    public static class RunningAppProcessInfo {
        public String processName;
        public int pid;

        public RunningAppProcessInfo(String processName, int pid) {
            this.processName = processName;
            this.pid = pid;
        }
    }
}
