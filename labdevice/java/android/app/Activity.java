package android.app;

import android.content.Context;
import android.content.ContextWrapper;
import android.content.Intent;
import android.os.Bundle;
import android.os.Handler;
import android.view.View;
import android.view.Window;
import android.view.WindowManager;
import com.android.internal.policy.PhoneWindow;
import labdevice.Calls;
import labdevice.Lab;

/**
 * A screen. ActivityThread drives its lifecycle on the main thread; its window is added to
 * the window manager after onResume (makeVisible), as on Android.
 */
public class Activity extends ContextWrapper {
    private Application mApplication;
    private ActivityThread mMainThread;
    private Window mWindow;
    private WindowManager mWindowManager;
    private Intent mIntent;
    private Thread mUiThread;
    final Handler mHandler = new Handler();
    private FragmentManager mFragments;
    private boolean mResumed;
    private boolean mFinished;
    private boolean mDestroyed;
    private boolean mWindowAdded;
    private CharSequence mTitle = "";

    public Activity() { super(null); }

    final void attach(Context base, ActivityThread thread, Application app, Intent intent) {
        attachBaseContext(base);
        mMainThread = thread;
        mApplication = app;
        mIntent = intent;
        mUiThread = Thread.currentThread();
        mWindow = new PhoneWindow(this);
        mWindow.getAttributes().type = WindowManager.LayoutParams.TYPE_BASE_APPLICATION;
        mWindowManager = (WindowManager) getSystemService(WINDOW_SERVICE);
        mFragments = new FragmentManager(this);
    }

    public final Application getApplication() { return mApplication; }
    public Intent getIntent() { return mIntent; }
    public void setIntent(Intent newIntent) { mIntent = newIntent; }
    public Window getWindow() { return mWindow; }
    public WindowManager getWindowManager() { return mWindowManager; }
    public FragmentManager getFragmentManager() { return mFragments; }

    protected void onCreate(Bundle savedInstanceState) {}
    protected void onStart() {}
    protected void onRestart() {}

    protected void onResume() {
        mResumed = true;
        Lab.say("LIFECYCLE foreground");
    }

    protected void onPause() {
        mResumed = false;
        Lab.say("LIFECYCLE background");
    }

    protected void onStop() {}
    protected void onDestroy() {}

    public boolean isResumed() { return mResumed; }
    public boolean isFinishing() { return mFinished; }
    public boolean isDestroyed() { return mDestroyed; }

    public void setTitle(CharSequence title) {
        mTitle = title == null ? "" : title;
        mWindow.setTitle(mTitle);
    }

    public CharSequence getTitle() { return mTitle; }

    public void setContentView(View view) { mWindow.setContentView(view); }

    public <T extends View> T findViewById(int id) { return mWindow.findViewById(id); }

    public final void runOnUiThread(Runnable action) {
        if (Thread.currentThread() != mUiThread) mHandler.post(action);
        else action.run();
    }

    @Override public void startActivity(Intent intent) { mMainThread.requestStartActivity(intent); }

    public void finish() {
        if (mFinished) return;
        mFinished = true;
        mMainThread.requestFinishActivity(this);
    }

    public void onBackPressed() { finish(); }

    public final void requestPermissions(String[] permissions, int requestCode) {
        Calls.hit("android.app.Activity.requestPermissions");
        Lab.say("PERMISSIONS " + String.join(",", permissions));
    }

    // --- ActivityThread's entry points into the protected lifecycle methods ----------------
    final void performCreate(Bundle state) { onCreate(state); }
    final void performStart() { onStart(); }
    final void performRestart() { onRestart(); onStart(); }
    final void performResume() { onResume(); }
    final void performPause() { onPause(); }
    final void performStop() { onStop(); }
    final void performDestroy() { mDestroyed = true; onDestroy(); }

    /** Shows the window after the first resume; later resumes make it visible again. */
    final void makeVisible() {
        View decor = mWindow.getDecorView();
        if (!mWindowAdded) {
            mWindowManager.addView(decor, mWindow.getAttributes());
            mWindowAdded = true;
        }
        decor.setVisibility(View.VISIBLE);
    }

    final void makeInvisible() {
        View decor = mWindow.peekDecorView();
        if (decor != null && mWindowAdded) decor.setVisibility(View.INVISIBLE);
    }

    final void removeWindow() {
        View decor = mWindow.peekDecorView();
        if (decor != null && mWindowAdded) {
            mWindowManager.removeViewImmediate(decor);
            mWindowAdded = false;
        }
    }
}
