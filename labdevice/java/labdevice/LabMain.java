package labdevice;

import android.app.Activity;
import android.app.Application;
import android.app.ContextImpl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of a lab app run: waits at the start gate (a line on stdin, the analog of
 * spawn gating), then drives Application and Activity through their lifecycle as Android's
 * ActivityThread would, and always ends with System.exit (an attached agent keeps the JVM up).
 */
public final class LabMain {
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_GATE = 3;

    private LabMain() {}

    public static void main(String[] args) {
        Options options;
        LabScenario scenario;
        try {
            options = Options.parse(args);
            if (options.printProfile) {
                DeviceProfile.print();
                System.exit(0);
            }
            scenario = Scenarios.create(options.scenario);
        } catch (IllegalArgumentException e) {
            System.err.println("labdevice: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        Preload.jdk();
        Lab.say("WAITING");
        if (options.gate) awaitGate(options.gateTimeoutMs);
        Lab.say("STARTED " + options.scenario);
        int code = 0;
        try {
            runApp(scenario, options);
        } catch (Throwable t) {
            Lab.say("CRASHED " + t.getClass().getName() + ": " + String.valueOf(t.getMessage()).replace('\n', ' '));
            t.printStackTrace();
            code = 1;
        }
        Calls.print();
        Lab.say("DONE");
        System.exit(code);
    }

    private static void runApp(LabScenario scenario, Options options) throws Exception {
        ContextImpl base = new ContextImpl(scenario.packageName());
        Application app = scenario.createApplication();
        app.attach(base);
        Lab.say("LIFECYCLE start " + scenario.packageName());
        app.onCreate();
        Activity activity = scenario.createActivity();
        activity.attach(base, app);
        activity.performCreate(null);
        activity.performResume();
        LabSession session = new LabSession(options, app, activity);
        scenario.run(session);
        activity.performPause();
        scenario.inBackground(session);
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
