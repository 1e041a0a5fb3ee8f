package android.net.wifi;

public class WifiConfiguration {
    public String SSID;
    public int networkId;

    public WifiConfiguration(String ssid, int networkId) { SSID = ssid; this.networkId = networkId; }
}
