package com.labshop.common;

import android.content.Context;
import android.content.SharedPreferences;
import android.util.Log;

/**
 * The app's own record of the user's privacy choice, in SharedPreferences "privacy" (with the
 * IAB TCF keys CMPs write). Each change is logged under tag CONSENT: accept, refuse, withdraw.
 */
public final class Privacy {
    public static final String PREFS = "privacy";
    public static final String AGREED = "privacy_policy_agreed";

    private Privacy() {}

    private static SharedPreferences prefs(Context context) { return context.getSharedPreferences(PREFS, Context.MODE_PRIVATE); }

    /** True once the user accepted or refused (the dialog is not shown again). */
    public static boolean decided(Context context) { return prefs(context).contains(AGREED); }

    public static boolean granted(Context context) { return prefs(context).getBoolean(AGREED, false); }

    public static void store(Context context, boolean granted) {
        prefs(context).edit()
            .putBoolean(AGREED, granted)
            .putInt("IABTCF_gdprApplies", 1)
            .putString("IABTCF_PurposeConsents", granted ? "1111111111" : "0000000000")
            .apply();
        Log.i("CONSENT", granted ? "accept" : "refuse");
    }

    public static void withdraw(Context context) {
        prefs(context).edit()
            .putBoolean(AGREED, false)
            .putBoolean("privacy_withdrawn", true)
            .putString("IABTCF_PurposeConsents", "0000000000")
            .apply();
        Log.i("CONSENT", "withdraw");
    }

    /** How often the app was launched (apps that ask only on a later launch count launches). */
    public static int countLaunch(Context context) {
        SharedPreferences p = prefs(context);
        int launches = p.getInt("launch_count", 0) + 1;
        p.edit().putInt("launch_count", launches).apply();
        return launches;
    }
}
