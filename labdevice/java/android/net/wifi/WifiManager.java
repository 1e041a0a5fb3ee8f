package android.net.wifi;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;

public class WifiManager {
    private static final String API = "android.net.wifi.WifiManager.";

    public WifiInfo getConnectionInfo() {
        Calls.hit(API + "getConnectionInfo");
        return new WifiInfo();
    }

    public List<ScanResult> getScanResults() {
        Calls.hit(API + "getScanResults");
        return Arrays.asList(
            new ScanResult(DeviceProfile.id("ssid"), DeviceProfile.id("bssid"), -48),
            new ScanResult("ChinaNet-7F2A", "3c:84:6a:70:1f:2a", -71));
    }

    public List<WifiConfiguration> getConfiguredNetworks() {
        Calls.hit(API + "getConfiguredNetworks");
        return Collections.singletonList(new WifiConfiguration("\"" + DeviceProfile.id("ssid") + "\"", 0));
    }
}
