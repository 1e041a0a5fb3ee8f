package android.os;

import labdevice.Calls;
import labdevice.DeviceProfile;

/** Device build information; SERIAL is "unknown" since API 26, getSerial() needs a permission. */
public class Build {
    public static final String UNKNOWN = "unknown";
    public static final String MANUFACTURER = DeviceProfile.build("MANUFACTURER");
    public static final String BRAND = DeviceProfile.build("BRAND");
    public static final String MODEL = DeviceProfile.build("MODEL");
    public static final String DEVICE = DeviceProfile.build("DEVICE");
    public static final String PRODUCT = DeviceProfile.build("PRODUCT");
    public static final String FINGERPRINT = DeviceProfile.build("FINGERPRINT");
    @Deprecated
    public static final String SERIAL = UNKNOWN;

    public static String getSerial() {
        Calls.hit("android.os.Build.getSerial");
        labdevice.IdentifierAccess.check("getSerial");
        return DeviceProfile.id("serial");
    }

    public static class VERSION {
        public static final String RELEASE = DeviceProfile.build("VERSION.RELEASE");
        public static final int SDK_INT = Integer.parseInt(DeviceProfile.build("VERSION.SDK_INT"));
    }
}
