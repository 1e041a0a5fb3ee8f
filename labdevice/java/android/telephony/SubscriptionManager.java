package android.telephony;

import android.content.Context;
import java.util.Collections;
import java.util.List;
import labdevice.Calls;

/** The active SIM subscriptions: their SubscriptionInfo carries the ICCID and the number. */
public class SubscriptionManager {
    private SubscriptionManager() {}

    public static SubscriptionManager from(Context context) { return new SubscriptionManager(); }

    public List<SubscriptionInfo> getActiveSubscriptionInfoList() {
        Calls.hit("android.telephony.SubscriptionManager.getActiveSubscriptionInfoList");
        return Collections.singletonList(new SubscriptionInfo(1, 0));
    }

    public int getActiveSubscriptionInfoCount() { return 1; }
}
