package com.labshop.guide;

import android.app.Application;
import com.facebook.FacebookSdk;

/** The Facebook SDK is initialised at start with auto-init left on: it reports the install before any choice. */
public final class GuideApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        FacebookSdk.sdkInitialize(this);
    }
}
