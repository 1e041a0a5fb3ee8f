package android.os;

import labdevice.Calls;
import labdevice.DeviceProfile;
import labdevice.IdentifierAccess;

/**
 * The hidden system-property API apps reach by reflection. ro.serialno (and
 * ro.boot.serialno) read as "" for ordinary apps since Android 8: SELinux denies them;
 * a privileged caller gets the serial.
 */
public final class SystemProperties {
    private SystemProperties() {}

    public static String get(String key) { return get(key, ""); }

    public static String get(String key, String def) {
        Calls.hit("android.os.SystemProperties.get");
        switch (key) {
            case "ro.serialno":
            case "ro.boot.serialno":
                return IdentifierAccess.privileged() ? DeviceProfile.id("serial") : def;
            case "ro.product.model": return DeviceProfile.build("MODEL");
            case "ro.product.brand": return DeviceProfile.build("BRAND");
            case "ro.build.version.sdk": return DeviceProfile.build("VERSION.SDK_INT");
            default: return def;
        }
    }
}
