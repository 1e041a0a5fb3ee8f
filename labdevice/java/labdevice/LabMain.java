package labdevice;

import android.app.ActivityThread;
import android.content.ComponentName;
import android.content.Intent;
import android.os.Looper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/**
 * One app process of the lab device (zygote + ActivityThread.main): reads the installed app's
 * manifest, opens the control channel, waits at the start gate (a line on stdin, the analog
 * of a spawned process held suspended), then runs the app on a real main Looper thread. The
 * app's classes are loaded only after the gate. When the app sits idle for --idle-exit-ms the
 * simulated user presses Home, and once idle again the process ends (LAB:DONE, exit code).
 * How long the app has been quiet is also reported over the control channel (IDLE), so a host
 * that drives the user (the session runner) can leave as soon as the app is quiet.
 */
public final class LabMain {
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_GATE = 3;
    private static final long IDLE_POLL_MS = 25;
    private static final ThreadGroup APP_THREADS = new ThreadGroup("app");
    private static volatile long lastInput = System.nanoTime();
    private static volatile long quietSince = -1;  // System.nanoTime() the current quiet stretch began; -1: busy
    private static volatile boolean taskFinished;
    private static volatile boolean exiting;

    private LabMain() {}

    public static void main(String[] args) {
        Options options;
        Manifest manifest;
        try {
            options = Options.parse(args);
            if (options.printProfile) {
                DeviceProfile.print();
                System.exit(0);
            }
            manifest = Manifest.readFromApk(options.apk);
        } catch (IllegalArgumentException e) {
            System.err.println("labdevice: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        boolean secondary = options.serviceClass != null;
        if (secondary) Lab.markSecondaryProcess(ProcessHandle.current().pid());
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> crash(thread, error));
        Processes.configure(options);
        Runtime.getRuntime().addShutdownHook(new Thread(Processes::killAll, "lab-children"));
        setLabProperties(options);
        Preload.jdk();
        warmUpApk(options.apk);
        if (!secondary) {
            ScreenRenderer.preload();
            Lab.say("FONT " + ScreenRenderer.fontFamily());
            if (options.controlPort >= 0) startControl(options.controlPort);
        }
        Lab.say("WAITING");
        if (options.gate) awaitGate(options.gateTimeoutMs);
        // The simulated user starts looking at the app when it is launched, not when its JVM
        // started: hooks loading before the gate opens must not count as idle time.
        noteInput();
        String processName = secondary ? options.processName : manifest.packageName;
        Lab.say("STARTED " + processName);
        ActivityThread.AppBindData data = bindData(options, manifest, processName);
        Thread main = new Thread(APP_THREADS, () -> runMainThread(data, manifest, options), "main");
        main.start();
        if (!secondary) watchIdle(options.idleExitMs);
    }

    private static void runMainThread(ActivityThread.AppBindData data, Manifest manifest, Options options) {
        Looper.prepareMainLooper();
        ActivityThread thread = ActivityThread.attach(data, new ActivityThread.Host() {
            @Override public void startProcess(String processName, String serviceClass) { Processes.spawn(processName, serviceClass); }
            @Override public void taskFinished() { LabMain.taskFinished = true; }
        });
        thread.getHandler().post(() -> {
            thread.handleBindApplication(data);
            if (options.serviceClass != null) {
                thread.handleCreateService(options.serviceClass, new Intent().setComponent(new ComponentName(data.packageName, options.serviceClass)));
            } else if (manifest.launcherActivity != null) {
                thread.handleLaunchActivity(new Intent(Intent.ACTION_MAIN).setComponent(new ComponentName(data.packageName, manifest.launcherActivity)));
            } else {
                taskFinished = true;
            }
        });
        Looper.loop();
    }

    private static ActivityThread.AppBindData bindData(Options options, Manifest manifest, String processName) {
        ActivityThread.AppBindData data = new ActivityThread.AppBindData();
        data.packageName = manifest.packageName;
        data.processName = processName;
        data.apkPath = new File(options.apk).getAbsolutePath();
        File dataDir = options.dataDir != null ? new File(options.dataDir) : new File(System.getProperty("java.io.tmpdir"), "consentry-lab-data/" + manifest.packageName);
        data.dataDir = dataDir.getAbsolutePath();
        data.applicationClass = manifest.applicationClass;
        data.serviceProcesses.putAll(manifest.serviceProcesses);
        data.grantedPermissions = options.granted;
        return data;
    }

    /** The lab's "setprop": values the device was provisioned with, readable by apps as system properties. */
    private static void setLabProperties(Options options) {
        if (!options.pins.isEmpty()) System.setProperty("labdevice.pins", String.join(",", options.pins));
        if (options.labCaPath != null) System.setProperty("labdevice.lab_ca", options.labCaPath);
    }

    /** Reads the APK once before the gate, so the jar machinery is loaded before hooks go in. */
    private static void warmUpApk(String apk) {
        try (JarFile jar = new JarFile(apk)) {
            jar.getEntry("AndroidManifest.xml");
        } catch (IOException e) {
            Lab.say("PRELOAD_FAILED " + e.getMessage());
        }
        new dalvik.system.PathClassLoader(apk, ClassLoader.getSystemClassLoader()).getResource("AndroidManifest.xml");
    }

    private static void startControl(int port) {
        try {
            ControlServer control = new ControlServer(port);
            control.start();
            Lab.say("CONTROL " + control.port());
        } catch (IOException e) {
            Lab.say("CONTROL_FAILED " + e.getMessage());
        }
    }

    static void noteInput() {
        long now = System.nanoTime();
        lastInput = now;
        if (quietSince >= 0) quietSince = now;  // input is activity: a quiet stretch starts again
    }

    /**
     * Quiet = the main looper has no work of the app's, running, due or delayed (a dump or a
     * screenshot the host asked for is not the app's work), and no other app thread is alive.
     * Stricter than Android's MessageQueue.IdleHandler, which fires while delayed messages wait.
     */
    private static boolean appQuiet() {
        Looper main = Looper.getMainLooper();
        return main != null && main.isLabIdle(ControlServer::isHostWork) && APP_THREADS.activeCount() <= 1;
    }

    /** How long the app has been quiet, in ms (0 while it works); sampled every IDLE_POLL_MS. */
    static long quietMillis() {
        long since = quietSince;
        return since < 0 ? 0 : Math.max(0, (System.nanoTime() - since) / 1_000_000L);
    }

    /** Home: the foreground activity goes to the background (runs on the main thread). */
    static void pressHome() {
        ActivityThread thread = ActivityThread.currentActivityThread();
        if (thread != null) thread.handleMoveToBackground();
    }

    /**
     * Keeps quietSince up to date and plays the simulated user's own timer: quiet for idleMs
     * since the last input, the user presses Home; quiet again, the process ends.
     */
    private static void watchIdle(long idleMs) {
        boolean inBackground = false;
        while (!exiting) {
            try {
                Thread.sleep(IDLE_POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (!appQuiet()) {
                quietSince = -1;
                continue;
            }
            long now = System.nanoTime();
            if (quietSince < 0) {
                quietSince = now;
                continue;
            }
            boolean userLeaves = (now - lastInput) / 1_000_000L >= idleMs
                && (now - quietSince) / 1_000_000L >= Math.min(idleMs, 100);
            if (!userLeaves) continue;
            if (!inBackground && !taskFinished) {
                inBackground = true;
                quietSince = -1;
                new android.os.Handler(Looper.getMainLooper()).post(LabMain::pressHome);
                continue;
            }
            exit(0, "idle");
            return;
        }
    }

    private static void crash(Thread thread, Throwable error) {
        Lab.say("CRASHED " + error.getClass().getName() + ": " + String.valueOf(error.getMessage()).replace('\n', ' '));
        System.err.println("FATAL EXCEPTION: " + thread.getName());
        error.printStackTrace();
        exit(1, "crashed");
    }

    /** Ends the process: other processes of the app, the call counts, LAB:DONE. */
    static synchronized void exit(int code, String why) {
        if (exiting) return;
        exiting = true;
        Processes.killAll();
        Calls.print();
        Lab.say("DONE " + why);
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }

    private static void awaitGate(long timeoutMs) {
        SynchronousQueue<String> line = new SynchronousQueue<>();
        Thread reader = new Thread(() -> {
            try {
                String text = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                line.put(text == null ? "\u0000eof" : text);
            } catch (IOException | InterruptedException e) {
                line.offer("\u0000eof");
            }
        }, "lab-gate");
        reader.setDaemon(true);
        reader.start();
        String got;
        try {
            got = line.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            got = null;
        }
        if (got == null || got.equals("\u0000eof")) {
            Lab.say(got == null ? "GATE_TIMEOUT" : "GATE_CLOSED");
            System.exit(EXIT_GATE);
        }
    }
}
