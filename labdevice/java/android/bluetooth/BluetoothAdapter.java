package android.bluetooth;

import labdevice.Calls;
import labdevice.DeviceProfile;

/** Since Android 6 getAddress() returns a constant to apps without LOCAL_MAC_ADDRESS. */
public final class BluetoothAdapter {
    private static final BluetoothAdapter DEFAULT = new BluetoothAdapter();

    private BluetoothAdapter() {}

    public static BluetoothAdapter getDefaultAdapter() { return DEFAULT; }

    public String getAddress() {
        Calls.hit("android.bluetooth.BluetoothAdapter.getAddress");
        return "02:00:00:00:00:00";
    }

    public String getName() {
        Calls.hit("android.bluetooth.BluetoothAdapter.getName");
        return DeviceProfile.id("device_name");
    }
}
