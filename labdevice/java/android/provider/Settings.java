package android.provider;

import android.content.ContentResolver;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Settings$Secure and Settings$System string lookups; "android_id" is the device's SSAID. */
public final class Settings {
    private Settings() {}

    private static String lookup(String name) {
        switch (name) {
            case "android_id": return DeviceProfile.id("android_id");
            case "bluetooth_name":
            case "device_name": return DeviceProfile.id("device_name");
            default: return null;
        }
    }

    public static final class Secure {
        public static final String ANDROID_ID = "android_id";

        private Secure() {}

        public static String getString(ContentResolver resolver, String name) {
            Calls.hit("android.provider.Settings$Secure.getString");
            return lookup(name);
        }
    }

    public static final class System {
        public static final String ANDROID_ID = "android_id";

        private System() {}

        public static String getString(ContentResolver resolver, String name) {
            Calls.hit("android.provider.Settings$System.getString");
            return lookup(name);
        }
    }
}
