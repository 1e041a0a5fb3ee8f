package android.telephony;

import labdevice.Calls;
import labdevice.DeviceProfile;
import labdevice.IdentifierAccess;

/**
 * One SIM subscription. From API 29 the ICCID is only given to privileged callers; others
 * get an empty string (AOSP clears it before the record reaches the app), no exception.
 */
public class SubscriptionInfo {
    private final int id;
    private final int slotIndex;

    SubscriptionInfo(int id, int slotIndex) {
        this.id = id;
        this.slotIndex = slotIndex;
    }

    public int getSubscriptionId() { return id; }
    public int getSimSlotIndex() { return slotIndex; }
    public CharSequence getDisplayName() { return DeviceProfile.get("operator.name"); }

    public String getIccId() {
        Calls.hit("android.telephony.SubscriptionInfo.getIccId");
        if (IdentifierAccess.apiLevel() >= 29 && !IdentifierAccess.privileged()) return "";
        return DeviceProfile.id("iccid");
    }

    public String getNumber() {
        Calls.hit("android.telephony.SubscriptionInfo.getNumber");
        return DeviceProfile.id("phone_number");
    }
}
