package android.app;

import android.content.Context;
import android.content.ContextWrapper;
import android.content.Intent;

/** A background component; with android:process=":name" it runs in a process of its own. */
public abstract class Service extends ContextWrapper {
    public static final int START_STICKY = 1;
    public static final int START_NOT_STICKY = 2;
    private Application mApplication;

    public Service() { super(null); }

    final void attach(Context base, Application application) {
        attachBaseContext(base);
        mApplication = application;
    }

    public final Application getApplication() { return mApplication; }

    public void onCreate() {}

    public int onStartCommand(Intent intent, int flags, int startId) { return START_STICKY; }

    public void onDestroy() {}

    public abstract Object onBind(Intent intent);

    public final void stopSelf() {}
}
