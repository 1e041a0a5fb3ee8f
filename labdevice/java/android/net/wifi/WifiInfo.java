package android.net.wifi;

import labdevice.Calls;
import labdevice.DeviceProfile;

public class WifiInfo {
    private static final String API = "android.net.wifi.WifiInfo.";

    public String getMacAddress() {
        Calls.hit(API + "getMacAddress");
        return DeviceProfile.id("mac");
    }

    /** Quoted, as Android returns a UTF-8 SSID. */
    public String getSSID() {
        Calls.hit(API + "getSSID");
        return "\"" + DeviceProfile.id("ssid") + "\"";
    }

    public String getBSSID() {
        Calls.hit(API + "getBSSID");
        return DeviceProfile.id("bssid");
    }

    public int getIpAddress() { return 0x6401A8C0; /* 192.168.1.100, little-endian as on Android */ }
}
