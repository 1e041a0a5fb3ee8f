package android.net.wifi;

public class ScanResult {
    public String SSID;
    public String BSSID;
    public int level;

    public ScanResult(String ssid, String bssid, int level) { SSID = ssid; BSSID = bssid; this.level = level; }

    @Override public String toString() { return "SSID: " + SSID + ", BSSID: " + BSSID + ", level: " + level; }
}
