package android.app;

import android.accounts.AccountManager;
import android.bluetooth.BluetoothAdapter;
import android.content.ClipboardManager;
import android.content.ContentResolver;
import android.content.Context;
import android.content.SharedPreferences;
import android.content.pm.PackageManager;
import android.hardware.SensorManager;
import android.location.LocationManager;
import android.net.wifi.WifiManager;
import android.telephony.TelephonyManager;
import java.util.HashMap;
import java.util.Map;

/** The concrete Context behind every Application and Activity. */
public final class ContextImpl extends Context {
    private final String packageName;
    private final ContentResolver resolver = new ContentResolver();
    private final PackageManager packageManager = new ApplicationPackageManager();
    private final Map<String, SharedPreferences> preferences = new HashMap<>();
    private final Map<String, Object> services = new HashMap<>();

    public ContextImpl(String packageName) {
        this.packageName = packageName;
        services.put(TELEPHONY_SERVICE, new TelephonyManager(this));
        services.put(WIFI_SERVICE, new WifiManager());
        services.put(LOCATION_SERVICE, new LocationManager());
        services.put(ACCOUNT_SERVICE, new AccountManager());
        services.put(ACTIVITY_SERVICE, new ActivityManager(packageName));
        services.put(CLIPBOARD_SERVICE, new ClipboardManager());
        services.put(SENSOR_SERVICE, new SensorManager());
        services.put(BLUETOOTH_SERVICE, BluetoothAdapter.getDefaultAdapter());
    }

    @Override public Object getSystemService(String name) { return services.get(name); }
    @Override public ContentResolver getContentResolver() { return resolver; }
    @Override public PackageManager getPackageManager() { return packageManager; }
    @Override public String getPackageName() { return packageName; }
    @Override public Context getApplicationContext() { return this; }

    @Override public synchronized SharedPreferences getSharedPreferences(String name, int mode) {
        SharedPreferences prefs = preferences.get(name);
        if (prefs == null) {
            prefs = new SharedPreferencesImpl();
            preferences.put(name, prefs);
        }
        return prefs;
    }
}
