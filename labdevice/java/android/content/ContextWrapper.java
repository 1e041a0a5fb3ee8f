package android.content;

import android.content.pm.PackageManager;

public class ContextWrapper extends Context {
    private Context base;

    public ContextWrapper(Context base) { this.base = base; }

    protected void attachBaseContext(Context base) { this.base = base; }

    public Context getBaseContext() { return base; }

    @Override public Object getSystemService(String name) { return base.getSystemService(name); }
    @Override public ContentResolver getContentResolver() { return base.getContentResolver(); }
    @Override public SharedPreferences getSharedPreferences(String name, int mode) { return base.getSharedPreferences(name, mode); }
    @Override public PackageManager getPackageManager() { return base.getPackageManager(); }
    @Override public String getPackageName() { return base.getPackageName(); }
    @Override public Context getApplicationContext() { return base.getApplicationContext(); }
}
