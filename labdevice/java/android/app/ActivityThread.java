package android.app;

import android.content.ComponentName;
import android.content.Intent;
import android.os.Handler;
import android.os.Looper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import labdevice.Lab;

/**
 * The app process' main thread: binds the app (LoadedApk, Application), launches and finishes
 * activities and starts services, all on the main Looper. The app's classes are loaded only
 * here, after the process was resumed from its start gate, as ART binds an app after resume.
 */
public final class ActivityThread {
    private static volatile ActivityThread sCurrentActivityThread;
    final Looper mLooper;
    final Handler mH;
    volatile Application mInitialApplication;
    private LoadedApk mBoundApplication;
    private final AppBindData mBindData;
    private final List<Activity> mActivities = new ArrayList<>();
    private final Map<String, Service> mServices = new HashMap<>();
    private volatile Host mHost = Host.NONE;

    /** What the lab device does for the process beyond the app: other processes, the end of the task. */
    public interface Host {
        Host NONE = new Host() {};

        /** Start the component in process processName (a separate JVM). */
        default void startProcess(String processName, String serviceClass) {}

        /** The last activity of the task finished. */
        default void taskFinished() {}
    }

    /** What the system tells a new process about its app (from the installed manifest). */
    public static final class AppBindData {
        public String packageName;
        public String processName;
        public String apkPath;
        public String dataDir;
        public String applicationClass;
        public Map<String, String> serviceProcesses = new HashMap<>();
        public Set<String> grantedPermissions = Collections.emptySet();
    }

    private ActivityThread(AppBindData data) {
        mLooper = Looper.myLooper();
        if (mLooper == null || mLooper != Looper.getMainLooper()) throw new IllegalStateException("ActivityThread needs the main Looper");
        mH = new Handler(mLooper);
        mBindData = data;
    }

    /** Creates the process' ActivityThread on the main looper thread. */
    public static ActivityThread attach(AppBindData data, Host host) {
        ActivityThread thread = new ActivityThread(data);
        thread.mHost = host == null ? Host.NONE : host;
        sCurrentActivityThread = thread;
        return thread;
    }

    public static ActivityThread currentActivityThread() { return sCurrentActivityThread; }

    public static Application currentApplication() {
        ActivityThread t = sCurrentActivityThread;
        return t != null ? t.mInitialApplication : null;
    }

    public static String currentPackageName() {
        ActivityThread t = sCurrentActivityThread;
        return t != null ? t.mBindData.packageName : null;
    }

    public static String currentProcessName() {
        ActivityThread t = sCurrentActivityThread;
        return t != null ? t.mBindData.processName : null;
    }

    public Application getApplication() { return mInitialApplication; }
    public Looper getLooper() { return mLooper; }
    public Handler getHandler() { return mH; }

    public LoadedApk getPackageInfoNoCheck(AppBindData data) {
        return new LoadedApk(this, data.packageName, data.apkPath, data.dataDir, data.applicationClass, data.grantedPermissions);
    }

    /** Binds the app in this process: its class loader, Application.attach, Application.onCreate. */
    public void handleBindApplication(AppBindData data) {
        mBoundApplication = getPackageInfoNoCheck(data);
        Application app = mBoundApplication.makeApplication(false, null);
        Lab.say("LIFECYCLE start " + data.packageName);
        app.onCreate();
    }

    // --- activities ------------------------------------------------------------------------
    public void requestStartActivity(Intent intent) { mH.post(() -> handleLaunchActivity(intent)); }

    void requestFinishActivity(Activity activity) { mH.post(() -> handleFinishActivity(activity)); }

    public void handleLaunchActivity(Intent intent) {
        ComponentName component = intent.getComponent();
        if (component == null) throw new IllegalArgumentException("no component in " + intent);
        Activity activity;
        try {
            activity = (Activity) mBoundApplication.getClassLoader().loadClass(component.getClassName()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new RuntimeException("Unable to instantiate activity " + component + ": " + e, e);
        }
        activity.attach(mBoundApplication.createContext(), this, mInitialApplication, intent);
        Activity previous = top();
        if (previous != null && previous.isResumed()) previous.performPause();
        activity.performCreate(null);
        activity.performStart();
        activity.performResume();
        activity.makeVisible();
        mActivities.add(activity);
        if (previous != null) {
            previous.performStop();
            previous.makeInvisible();
        }
    }

    private void handleFinishActivity(Activity activity) {
        if (!mActivities.contains(activity)) return;
        boolean wasTop = top() == activity;
        if (activity.isResumed()) activity.performPause();
        activity.removeWindow();
        activity.performStop();
        activity.performDestroy();
        mActivities.remove(activity);
        Activity next = top();
        if (wasTop && next != null && !next.isResumed()) {
            next.performRestart();
            next.performResume();
            next.makeVisible();
        }
        if (mActivities.isEmpty()) mHost.taskFinished();
    }

    /** The user pressed Home: the top activity pauses and stops, its window hidden. */
    public void handleMoveToBackground() {
        Activity top = top();
        if (top == null) return;
        if (top.isResumed()) top.performPause();
        top.performStop();
        top.makeInvisible();
    }

    public boolean hasActivities() { return !mActivities.isEmpty(); }

    private Activity top() { return mActivities.isEmpty() ? null : mActivities.get(mActivities.size() - 1); }

    // --- services ----------------------------------------------------------------------------
    public ComponentName requestStartService(Intent intent) {
        ComponentName component = intent.getComponent();
        if (component == null) throw new IllegalArgumentException("Service Intent must be explicit: " + intent);
        String process = mBindData.serviceProcesses.get(component.getClassName());
        if (process != null && !process.equals(mBindData.processName)) {
            mHost.startProcess(process, component.getClassName());
        } else {
            mH.post(() -> handleCreateService(component.getClassName(), intent));
        }
        return component;
    }

    public void handleCreateService(String className, Intent intent) {
        Service service = mServices.get(className);
        if (service == null) {
            try {
                service = (Service) mBoundApplication.getClassLoader().loadClass(className).getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new RuntimeException("Unable to instantiate service " + className + ": " + e, e);
            }
            service.attach(mBoundApplication.createContext(), mInitialApplication);
            service.onCreate();
            mServices.put(className, service);
        }
        service.onStartCommand(intent, 0, 1);
    }
}
