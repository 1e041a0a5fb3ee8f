package labdevice;

/**
 * Who may read non-resettable device identifiers (IMEI, MEID, IMSI, ICCID, serial). On
 * Android 10 (API 29) and later only callers holding READ_PRIVILEGED_PHONE_STATE (or
 * carrier privileges) get them; anyone else gets a SecurityException, as AOSP's
 * TelephonyPermissions.checkReadDeviceIdentifiers does. The API level is the profile's
 * build.VERSION.SDK_INT; the granted privileged permissions are the profile's
 * android.privileged_permissions, or the system property labdevice.privileged_permissions
 * (comma-separated, may be empty) when set.
 */
public final class IdentifierAccess {
    public static final String PRIVILEGED = "android.permission.READ_PRIVILEGED_PHONE_STATE";
    static final int RESTRICTED_FROM_API = 29;
    private static final int APP_UID = 10123; // Android app uids are 10000 + app id

    private IdentifierAccess() {}

    public static int apiLevel() {
        return Integer.parseInt(DeviceProfile.build("VERSION.SDK_INT"));
    }

    public static boolean privileged() {
        String granted = System.getProperty("labdevice.privileged_permissions");
        if (granted == null) {
            try {
                granted = DeviceProfile.get("android.privileged_permissions");
            } catch (IllegalStateException e) {
                granted = "";
            }
        }
        for (String name : granted.split(",")) if (name.trim().equals(PRIVILEGED)) return true;
        return false;
    }

    /** Throws the SecurityException Android 10+ throws at an unprivileged caller. */
    public static void check(String method) {
        if (apiLevel() >= RESTRICTED_FROM_API && !privileged()) {
            throw new SecurityException(method + ": The user " + APP_UID
                + " does not meet the requirements to access device identifiers.");
        }
    }
}
