package android.content;

import android.content.pm.PackageManager;
import android.content.res.AssetManager;
import android.os.Looper;
import java.io.File;

public class ContextWrapper extends Context {
    private Context base;

    public ContextWrapper(Context base) { this.base = base; }

    protected void attachBaseContext(Context base) {
        if (this.base != null) throw new IllegalStateException("Base context already set");
        this.base = base;
    }

    public Context getBaseContext() { return base; }

    @Override public Object getSystemService(String name) { return base.getSystemService(name); }
    @Override public ContentResolver getContentResolver() { return base.getContentResolver(); }
    @Override public SharedPreferences getSharedPreferences(String name, int mode) { return base.getSharedPreferences(name, mode); }
    @Override public PackageManager getPackageManager() { return base.getPackageManager(); }
    @Override public String getPackageName() { return base.getPackageName(); }
    @Override public Context getApplicationContext() { return base.getApplicationContext(); }
    @Override public Looper getMainLooper() { return base.getMainLooper(); }
    @Override public ClassLoader getClassLoader() { return base.getClassLoader(); }
    @Override public AssetManager getAssets() { return base.getAssets(); }
    @Override public File getFilesDir() { return base.getFilesDir(); }
    @Override public File getCacheDir() { return base.getCacheDir(); }
    @Override public File getDataDir() { return base.getDataDir(); }
    @Override public File getDir(String name, int mode) { return base.getDir(name, mode); }
    @Override public void startActivity(Intent intent) { base.startActivity(intent); }
    @Override public ComponentName startService(Intent service) { return base.startService(service); }
    @Override public int checkSelfPermission(String permission) { return base.checkSelfPermission(permission); }
    @Override public String getPackageCodePath() { return base.getPackageCodePath(); }
}
