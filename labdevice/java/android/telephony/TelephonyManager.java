package android.telephony;

import android.content.Context;
import android.telephony.gsm.GsmCellLocation;
import java.util.Collections;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;
import labdevice.IdentifierAccess;

/**
 * Device and SIM identifiers: the APIs MIIT enforcement notices name most often.
 * Overloads chain as in AOSP: getImei() calls getImei(getSlotIndex()), getMeid() calls
 * getMeid(slot), getSubscriberId()/getSimSerialNumber()/getLine1Number() call their
 * subscription-id forms; only the form doing the work counts the call. Identifier reads
 * throw SecurityException from API 29 without the privileged permission (IdentifierAccess).
 */
public class TelephonyManager {
    private static final String API = "android.telephony.TelephonyManager.";
    private static final int DEFAULT_SLOT = 0;
    private static final int DEFAULT_SUBSCRIPTION = 1;

    public TelephonyManager(Context context) {}

    public String getDeviceId() { return identifier("getDeviceId", "imei"); }
    public String getDeviceId(int slotIndex) { return identifier("getDeviceId", "imei"); }
    public String getImei() { return getImei(getSlotIndex()); }
    public String getImei(int slotIndex) { return identifier("getImei", "imei"); }
    public String getMeid() { return getMeid(getSlotIndex()); }
    public String getMeid(int slotIndex) { return identifier("getMeid", "meid"); }
    public String getSubscriberId() { return getSubscriberId(getSubId()); }
    /** @hide in AOSP; reached through getSubscriberId(). */
    public String getSubscriberId(int subId) { return identifier("getSubscriberId", "imsi"); }
    public String getSimSerialNumber() { return getSimSerialNumber(getSubId()); }
    /** @hide in AOSP; reached through getSimSerialNumber(). */
    public String getSimSerialNumber(int subId) { return identifier("getSimSerialNumber", "iccid"); }
    public String getLine1Number() { return getLine1Number(getSubId()); }
    /** @hide in AOSP; the phone number needs READ_PHONE_NUMBERS, not the privileged permission. */
    public String getLine1Number(int subId) {
        Calls.hit(API + "getLine1Number");
        return DeviceProfile.id("phone_number");
    }

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

    private int getSlotIndex() { return DEFAULT_SLOT; }

    private int getSubId() { return DEFAULT_SUBSCRIPTION; }

    /** The attempt counts even when it throws: that is what the hooks must record too. */
    private static String identifier(String method, String kind) {
        Calls.hit(API + method);
        IdentifierAccess.check(method);
        return DeviceProfile.id(kind);
    }
}
