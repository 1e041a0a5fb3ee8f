package android.app;

import dalvik.system.PathClassLoader;
import java.io.File;
import java.util.Set;

/**
 * One installed package as loaded into this process: its APK path, data directory and the
 * class loader its components come from. Packers swap mClassLoader by reflection, as on Android.
 */
public final class LoadedApk {
    private final ActivityThread mActivityThread;
    private final String mPackageName;
    private final String mAppDir;
    private final String mDataDir;
    private final Set<String> mGranted;
    private ClassLoader mClassLoader;
    private Application mApplication;
    private final String mApplicationClass;

    LoadedApk(ActivityThread thread, String packageName, String appDir, String dataDir, String applicationClass, Set<String> granted) {
        mActivityThread = thread;
        mPackageName = packageName;
        mAppDir = appDir;
        mDataDir = dataDir;
        mApplicationClass = applicationClass;
        mGranted = granted;
    }

    public String getPackageName() { return mPackageName; }
    public String getAppDir() { return mAppDir; }
    public String getDataDir() { return mDataDir; }
    File getDataDirFile() { return new File(mDataDir); }
    boolean isGranted(String permission) { return mGranted.contains(permission); }

    public ClassLoader getClassLoader() {
        synchronized (this) {
            if (mClassLoader == null) mClassLoader = new PathClassLoader(mAppDir, ClassLoader.getSystemClassLoader());
            return mClassLoader;
        }
    }

    /** Creates the Application (attachBaseContext runs here; onCreate is the caller's next step). */
    public Application makeApplication(boolean forceDefaultAppClass, Object instrumentation) {
        if (mApplication != null) return mApplication;
        String appClass = forceDefaultAppClass || mApplicationClass == null ? "android.app.Application" : mApplicationClass;
        ContextImpl appContext = new ContextImpl(this, mPackageName);
        try {
            Application app = (Application) getClassLoader().loadClass(appClass).getDeclaredConstructor().newInstance();
            app.attach(appContext);
            mApplication = app;
            mActivityThread.mInitialApplication = app;
            return app;
        } catch (ReflectiveOperationException e) {
            throw new RuntimeException("Unable to instantiate application " + appClass + ": " + e, e);
        }
    }

    ContextImpl createContext() { return new ContextImpl(this, mPackageName); }
}
