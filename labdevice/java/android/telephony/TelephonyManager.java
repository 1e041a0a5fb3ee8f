package android.telephony;

import android.content.Context;
import android.telephony.gsm.GsmCellLocation;
import java.util.Collections;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Device and SIM identifiers: the APIs MIIT enforcement notices name most often. */
public class TelephonyManager {
    private static final String API = "android.telephony.TelephonyManager.";

    public TelephonyManager(Context context) {}

    public String getDeviceId() { return hit("getDeviceId", "imei"); }
    public String getDeviceId(int slotIndex) { return hit("getDeviceId", "imei"); }
    public String getImei() { return hit("getImei", "imei"); }
    public String getImei(int slotIndex) { return hit("getImei", "imei"); }
    public String getMeid() { return hit("getMeid", "meid"); }
    public String getSubscriberId() { return hit("getSubscriberId", "imsi"); }
    public String getSimSerialNumber() { return hit("getSimSerialNumber", "iccid"); }
    public String getLine1Number() { return hit("getLine1Number", "phone_number"); }

    public CellLocation getCellLocation() {
        Calls.hit(API + "getCellLocation");
        String[] parts = DeviceProfile.id("cell_id").split("-");
        return new GsmCellLocation(Integer.parseInt(parts[2]), Integer.parseInt(parts[3]));
    }

    public List<CellInfo> getAllCellInfo() {
        Calls.hit(API + "getAllCellInfo");
        return Collections.singletonList(new CellInfo(DeviceProfile.id("cell_id")));
    }

    public String getNetworkOperator() {
        Calls.hit(API + "getNetworkOperator");
        return DeviceProfile.get("operator.mcc_mnc");
    }

    public String getNetworkOperatorName() {
        Calls.hit(API + "getNetworkOperatorName");
        return DeviceProfile.get("operator.name");
    }

    public String getSimOperator() {
        Calls.hit(API + "getSimOperator");
        return DeviceProfile.get("operator.mcc_mnc");
    }

    private static String hit(String method, String kind) {
        Calls.hit(API + method);
        return DeviceProfile.id(kind);
    }
}
