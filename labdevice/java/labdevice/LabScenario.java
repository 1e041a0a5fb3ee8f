package labdevice;

import android.app.Activity;
import android.app.Application;

/**
 * One lab app: its package name, its Application and main Activity, and its story once the
 * main Activity is in the foreground. LabMain drives the lifecycle around it.
 */
public abstract class LabScenario {
    public abstract String packageName();

    public Application createApplication() { return new Application(); }

    public Activity createActivity() { return new Activity(); }

    /** Runs with the main Activity resumed: typically ask for consent, then act on the answer. */
    public abstract void run(LabSession session) throws Exception;

    /** Runs after the Activity was paused (the app is in the background). */
    public void inBackground(LabSession session) throws Exception {}
}
