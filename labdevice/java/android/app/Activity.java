package android.app;

import android.content.Context;
import android.content.ContextWrapper;
import android.os.Bundle;
import android.view.View;
import labdevice.Calls;
import labdevice.Lab;

/** A screen. The lab runtime drives onCreate/onResume/onPause as Android would. */
public class Activity extends ContextWrapper {
    private Application application;
    private View contentView;
    private boolean resumed;

    public Activity() { super(null); }

    public final void attach(Context base, Application app) {
        attachBaseContext(base);
        this.application = app;
    }

    public final Application getApplication() { return application; }

    protected void onCreate(Bundle savedInstanceState) {}

    protected void onResume() {
        resumed = true;
        Lab.say("LIFECYCLE foreground");
    }

    protected void onPause() {
        resumed = false;
        Lab.say("LIFECYCLE background");
    }

    public boolean isResumed() { return resumed; }

    public void setContentView(View view) { contentView = view; }

    public View getContentView() { return contentView; }

    public final void requestPermissions(String[] permissions, int requestCode) {
        Calls.hit("android.app.Activity.requestPermissions");
        Lab.say("PERMISSIONS " + String.join(",", permissions));
    }

    /** The lab runtime's entry points into the protected lifecycle methods. */
    public final void performCreate(Bundle state) { onCreate(state); }
    public final void performResume() { onResume(); }
    public final void performPause() { onPause(); }
}
