package android.accounts;

import android.content.Context;
import labdevice.Calls;
import labdevice.DeviceProfile;

public class AccountManager {
    public static AccountManager get(Context context) {
        return (AccountManager) context.getSystemService(Context.ACCOUNT_SERVICE);
    }

    public Account[] getAccounts() {
        Calls.hit("android.accounts.AccountManager.getAccounts");
        return new Account[] {new Account(DeviceProfile.id("account"), "com.google")};
    }
}
