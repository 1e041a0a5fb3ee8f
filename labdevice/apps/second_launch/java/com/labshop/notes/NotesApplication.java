package com.labshop.notes;

import android.app.Application;
import com.labshop.common.Privacy;
import com.umeng.commonsdk.UMConfigure;

/**
 * Counts launches. On the first launch there is no consent screen at all and Umeng starts at
 * once (a pre-consent transmission a one-launch test never sees questioned); the privacy
 * dialog appears only from the second launch on.
 */
public final class NotesApplication extends Application {
    static volatile int launch;

    @Override public void onCreate() {
        super.onCreate();
        launch = Privacy.countLaunch(this);
        if (launch == 1) UMConfigure.init(this, "66f1a2b3c4d5e6f7a8b9c0d1", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }
}
