package android.app;

import android.accounts.AccountManager;
import android.bluetooth.BluetoothAdapter;
import android.content.ClipboardManager;
import android.content.ComponentName;
import android.content.ContentResolver;
import android.content.Context;
import android.content.Intent;
import android.content.SharedPreferences;
import android.content.pm.PackageManager;
import android.content.res.AssetManager;
import android.hardware.SensorManager;
import android.location.LocationManager;
import android.net.wifi.WifiManager;
import android.os.Looper;
import android.telephony.TelephonyManager;
import android.view.WindowManagerImpl;
import java.io.File;
import java.util.HashMap;
import java.util.Map;

/** The concrete Context behind every Application, Activity and Service of one package. */
public final class ContextImpl extends Context {
    /** The package this context belongs to (packers replace its class loader: LoadedApk.mClassLoader). */
    final LoadedApk mPackageInfo;
    private final String packageName;
    private final ContentResolver resolver = new ContentResolver();
    private final PackageManager packageManager = new ApplicationPackageManager();
    private static final Map<String, SharedPreferences> PREFERENCES = new HashMap<>();
    private final Map<String, Object> services = new HashMap<>();

    /** A context for a package that is not bound (tests, tools). */
    public ContextImpl(String packageName) { this(null, packageName); }

    ContextImpl(LoadedApk packageInfo, String packageName) {
        this.mPackageInfo = packageInfo;
        this.packageName = packageName;
        services.put(TELEPHONY_SERVICE, new TelephonyManager(this));
        services.put(WIFI_SERVICE, new WifiManager());
        services.put(LOCATION_SERVICE, new LocationManager());
        services.put(ACCOUNT_SERVICE, new AccountManager());
        services.put(ACTIVITY_SERVICE, new ActivityManager(packageName));
        services.put(CLIPBOARD_SERVICE, new ClipboardManager());
        services.put(SENSOR_SERVICE, new SensorManager());
        services.put(BLUETOOTH_SERVICE, BluetoothAdapter.getDefaultAdapter());
        services.put(WINDOW_SERVICE, new WindowManagerImpl(this));
    }

    @Override public Object getSystemService(String name) { return services.get(name); }
    @Override public ContentResolver getContentResolver() { return resolver; }
    @Override public PackageManager getPackageManager() { return packageManager; }
    @Override public String getPackageName() { return packageName; }
    @Override public Context getApplicationContext() {
        Application app = ActivityThread.currentApplication();
        return app != null ? app : this;
    }
    @Override public Looper getMainLooper() { return Looper.getMainLooper(); }
    @Override public ClassLoader getClassLoader() { return mPackageInfo != null ? mPackageInfo.getClassLoader() : ClassLoader.getSystemClassLoader(); }
    @Override public AssetManager getAssets() { return new AssetManager(getPackageCodePath()); }
    @Override public String getPackageCodePath() { return mPackageInfo != null ? mPackageInfo.getAppDir() : ""; }

    @Override public File getDataDir() {
        File dir = mPackageInfo != null ? mPackageInfo.getDataDirFile() : new File(System.getProperty("java.io.tmpdir"), packageName);
        dir.mkdirs();
        return dir;
    }

    @Override public File getFilesDir() { return getDir("files"); }
    @Override public File getCacheDir() { return getDir("cache"); }
    @Override public File getDir(String name, int mode) { return getDir("app_" + name); }

    private File getDir(String name) {
        File dir = new File(getDataDir(), name);
        dir.mkdirs();
        return dir;
    }

    @Override public void startActivity(Intent intent) {
        ActivityThread thread = ActivityThread.currentActivityThread();
        if (thread == null) throw new IllegalStateException("no ActivityThread in this process");
        thread.requestStartActivity(intent);
    }

    @Override public ComponentName startService(Intent service) {
        ActivityThread thread = ActivityThread.currentActivityThread();
        if (thread == null) throw new IllegalStateException("no ActivityThread in this process");
        return thread.requestStartService(service);
    }

    @Override public int checkSelfPermission(String permission) {
        return mPackageInfo != null && mPackageInfo.isGranted(permission) ? 0 : -1;
    }

    @Override public SharedPreferences getSharedPreferences(String name, int mode) {
        synchronized (PREFERENCES) {
            String key = packageName + "/" + name;
            SharedPreferences prefs = PREFERENCES.get(key);
            if (prefs == null) {
                File file = mPackageInfo != null ? new File(new File(getDataDir(), "shared_prefs"), name + ".xml") : null;
                prefs = new SharedPreferencesImpl(file);
                PREFERENCES.put(key, prefs);
            }
            return prefs;
        }
    }
}
