package com.labshop.tour;

import android.accounts.AccountManager;
import android.app.ActivityManager;
import android.bluetooth.BluetoothAdapter;
import android.content.ClipboardManager;
import android.content.Context;
import android.database.Cursor;
import android.hardware.Camera;
import android.hardware.Sensor;
import android.hardware.SensorEventListener;
import android.hardware.SensorManager;
import android.location.LocationManager;
import android.media.AudioRecord;
import android.net.Uri;
import android.net.wifi.WifiManager;
import android.os.Build;
import android.os.CancellationSignal;
import android.os.Looper;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import android.util.Base64;
import com.labshop.common.ShopActivity;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Calls every mirrored sensitive API once, right after the privacy choice (or, when the user
 * ignores the dialog, once the app is in the background), and sends nothing: the fixture
 * for hook coverage (compare with the LAB:COUNT lines).
 */
public final class MainActivity extends ShopActivity {
    private static final String[] AUTHORITIES = {
        "content://com.android.contacts/data/phones", "content://call_log/calls", "content://sms/inbox",
        "content://com.android.calendar/events", "content://media/external/images/media",
    };

    private static final AtomicBoolean TOURED = new AtomicBoolean();

    @Override protected String appTitle() { return "API 巡游"; }

    @Override protected void onAppStart() {}

    @Override protected void onConsentResult(boolean granted) { tourOnce(); }

    @Override protected void onBackgroundWork() { tourOnce(); }

    private void tourOnce() {
        if (!TOURED.compareAndSet(false, true)) return;
        try {
            tour();
        } catch (Exception e) {
            android.util.Log.e("TOUR", "failed", e);
        }
    }

    private void tour() throws Exception {
        Context ctx = getApplication();

        telephony((TelephonyManager) ctx.getSystemService(Context.TELEPHONY_SERVICE));
        Settings.Secure.getString(ctx.getContentResolver(), Settings.Secure.ANDROID_ID);
        Settings.System.getString(ctx.getContentResolver(), Settings.System.ANDROID_ID);
        Build.getSerial();
        wifi((WifiManager) ctx.getSystemService(Context.WIFI_SERVICE));
        BluetoothAdapter.getDefaultAdapter().getAddress();
        BluetoothAdapter.getDefaultAdapter().getName();
        location((LocationManager) ctx.getSystemService(Context.LOCATION_SERVICE));
        for (String uri : AUTHORITIES) {
            try (Cursor c = ctx.getContentResolver().query(Uri.parse(uri), null, null, null, null)) {
                while (c.moveToNext()) c.getString(0);
            }
        }
        AccountManager.get(ctx).getAccounts();
        ctx.getPackageManager().getInstalledPackages(0);
        ctx.getPackageManager().getInstalledApplications(0);
        ((ActivityManager) ctx.getSystemService(Context.ACTIVITY_SERVICE)).getRunningAppProcesses();
        ((ClipboardManager) ctx.getSystemService(Context.CLIPBOARD_SERVICE)).getPrimaryClip().getItemAt(0).getText();
        SensorManager sensors = (SensorManager) ctx.getSystemService(Context.SENSOR_SERVICE);
        sensors.registerListener(new Shake(), sensors.getDefaultSensor(Sensor.TYPE_ACCELEROMETER), SensorManager.SENSOR_DELAY_NORMAL);
        Camera.open().release();
        AudioRecord recorder = new AudioRecord(1, 16000, 16, 2, 4096);
        recorder.startRecording();
        recorder.release();
        requestPermissions(new String[] {"android.permission.READ_PHONE_STATE", "android.permission.ACCESS_FINE_LOCATION"}, 1);
        com.labshop.common.DeviceIds.oaid(ctx);
        com.labshop.common.DeviceIds.aaid(ctx);
        Base64.encodeToString("tour".getBytes(StandardCharsets.UTF_8), Base64.NO_WRAP);
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) nif.getHardwareAddress();
    }

    private static void telephony(TelephonyManager tm) {
        tm.getDeviceId();
        tm.getDeviceId(0);
        tm.getImei();
        tm.getImei(0);
        tm.getMeid();
        tm.getSubscriberId();
        tm.getSimSerialNumber();
        tm.getLine1Number();
        tm.getCellLocation();
        tm.getAllCellInfo();
        tm.getNetworkOperator();
        tm.getNetworkOperatorName();
        tm.getSimOperator();
    }

    private static void wifi(WifiManager wm) {
        wm.getConnectionInfo().getMacAddress();
        wm.getConnectionInfo().getSSID();
        wm.getConnectionInfo().getBSSID();
        wm.getScanResults();
        wm.getConfiguredNetworks();
    }

    private static void location(LocationManager lm) {
        lm.getLastKnownLocation(LocationManager.GPS_PROVIDER).getLatitude();
        lm.requestLocationUpdates(LocationManager.GPS_PROVIDER, 1000L, 0f, loc -> loc.getLongitude());
        lm.requestSingleUpdate(LocationManager.NETWORK_PROVIDER, loc -> loc.getLatitude(), Looper.getMainLooper());
        lm.getCurrentLocation(LocationManager.GPS_PROVIDER, new CancellationSignal(), Runnable::run, loc -> loc.getLatitude());
    }

    private static final class Shake implements SensorEventListener {
        @Override public void onAccuracyChanged(Sensor sensor, int accuracy) {}
    }
}
