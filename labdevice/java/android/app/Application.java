package android.app;

import android.content.Context;
import android.content.ContextWrapper;

public class Application extends ContextWrapper {
    public Application() { super(null); }

    /** Called by the lab runtime as ActivityThread does before the first component starts. */
    public final void attach(Context base) { attachBaseContext(base); }

    public void onCreate() {}
}
