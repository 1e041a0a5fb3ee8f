package labdevice;

import android.app.Activity;
import android.app.Application;
import android.content.SharedPreferences;

/** What a scenario's story works with: the options, the app, its Activity and the consent steps. */
public final class LabSession {
    public static final String HOME_URL = "https://api.labshop.example/v1/home";

    public final Options options;
    public final Application app;
    public final Activity activity;

    LabSession(Options options, Application app, Activity activity) {
        this.options = options;
        this.app = app;
        this.activity = activity;
    }

    /** Shows the privacy dialog and waits for the answer: "accept", "refuse" or "none". */
    public String askConsent() throws InterruptedException {
        return ConsentPrompt.show(activity).await(options.dialogTimeoutMs);
    }

    /** Shows the withdraw button and waits for it; true when the user withdrew. */
    public boolean offerWithdrawal() throws InterruptedException {
        return WithdrawButton.show(activity).await(options.withdrawTimeoutMs);
    }

    /** Persists the consent state the way CMPs do (IAB TCF keys), so consent hooks can see it. */
    public void storeConsent(boolean granted) {
        SharedPreferences prefs = app.getSharedPreferences("privacy", 0);
        prefs.edit()
            .putBoolean("privacy_policy_agreed", granted)
            .putInt("IABTCF_gdprApplies", 1)
            .putString("IABTCF_PurposeConsents", granted ? "1111111111" : "0000000000")
            .apply();
    }

    /** The app's own start-up request: first party, no personal data. */
    public void fetchHome() {
        Http.get(HOME_URL);
    }
}
