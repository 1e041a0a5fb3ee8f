package android.content;

import android.content.pm.PackageManager;

/** The app's handle on the device: system services, resolver, preferences. */
public abstract class Context {
    public static final String TELEPHONY_SERVICE = "phone";
    public static final String WIFI_SERVICE = "wifi";
    public static final String LOCATION_SERVICE = "location";
    public static final String ACCOUNT_SERVICE = "account";
    public static final String ACTIVITY_SERVICE = "activity";
    public static final String CLIPBOARD_SERVICE = "clipboard";
    public static final String SENSOR_SERVICE = "sensor";
    public static final String BLUETOOTH_SERVICE = "bluetooth";
    public static final int MODE_PRIVATE = 0;

    public abstract Object getSystemService(String name);
    public abstract ContentResolver getContentResolver();
    public abstract SharedPreferences getSharedPreferences(String name, int mode);
    public abstract PackageManager getPackageManager();
    public abstract String getPackageName();
    public abstract Context getApplicationContext();
}
