package android.content;

import android.content.pm.PackageManager;
import android.content.res.AssetManager;
import android.os.Looper;
import java.io.File;

/** The app's handle on the device: system services, resolver, preferences, files, components. */
public abstract class Context {
    public static final String TELEPHONY_SERVICE = "phone";
    public static final String WIFI_SERVICE = "wifi";
    public static final String LOCATION_SERVICE = "location";
    public static final String ACCOUNT_SERVICE = "account";
    public static final String ACTIVITY_SERVICE = "activity";
    public static final String CLIPBOARD_SERVICE = "clipboard";
    public static final String SENSOR_SERVICE = "sensor";
    public static final String BLUETOOTH_SERVICE = "bluetooth";
    public static final String WINDOW_SERVICE = "window";
    public static final String LAYOUT_INFLATER_SERVICE = "layout_inflater";
    public static final int MODE_PRIVATE = 0;

    public abstract Object getSystemService(String name);
    public abstract ContentResolver getContentResolver();
    public abstract SharedPreferences getSharedPreferences(String name, int mode);
    public abstract PackageManager getPackageManager();
    public abstract String getPackageName();
    public abstract Context getApplicationContext();
    public abstract Looper getMainLooper();
    public abstract ClassLoader getClassLoader();
    public abstract AssetManager getAssets();
    public abstract File getFilesDir();
    public abstract File getCacheDir();
    public abstract File getDataDir();
    public abstract File getDir(String name, int mode);
    public abstract void startActivity(Intent intent);
    public abstract ComponentName startService(Intent service);
    public abstract int checkSelfPermission(String permission);
    public abstract String getPackageCodePath();

    public final String getString(int resId) { return String.valueOf(resId); }
}
