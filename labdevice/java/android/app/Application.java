package android.app;

import android.content.Context;
import android.content.ContextWrapper;

public class Application extends ContextWrapper {
    public Application() { super(null); }

    /** Called by LoadedApk.makeApplication as on Android: attachBaseContext, before onCreate. */
    public final void attach(Context base) { attachBaseContext(base); }

    public void onCreate() {}

    public void onTerminate() {}

    /** The name of this process (the package, or package:name for an android:process component). */
    public static String getProcessName() { return ActivityThread.currentProcessName(); }
}
