package labdevice;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The app's other processes (android:process=":push"): each is a JVM of its own started from
 * this one, like a process forked by zygote. It waits at its own start gate; the host sees
 * "LAB:SPAWN <pid> <process name>" and resumes it (RESUME <pid> on the control channel) once
 * its hooks are in, or at once when child gating is off.
 */
final class Processes {
    private static final Map<Long, Child> CHILDREN = new ConcurrentHashMap<>();
    private static volatile boolean gating;
    private static volatile Options parentOptions;

    private Processes() {}

    private static final class Child {
        final Process process;
        final String name;
        volatile boolean resumed;

        Child(Process process, String name) {
            this.process = process;
            this.name = name;
        }
    }

    static void configure(Options options) {
        parentOptions = options;
        gating = options.childGating;
    }

    static synchronized void spawn(String processName, String serviceClass) {
        for (Child c : CHILDREN.values()) {
            if (c.name.equals(processName) && c.process.isAlive()) return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String[] jvmArgs = ProcessHandle.current().info().arguments().orElse(new String[0]);
        for (String arg : jvmArgs) {
            if (arg.equals(LabMain.class.getName())) break;
            cmd.add(arg);
        }
        Options o = parentOptions;
        cmd.add(LabMain.class.getName());
        cmd.add("--apk");
        cmd.add(o.apk);
        if (o.dataDir != null) {
            cmd.add("--data-dir");
            cmd.add(o.dataDir);
        }
        cmd.add("--process");
        cmd.add(processName);
        cmd.add("--service");
        cmd.add(serviceClass);
        cmd.add("--gate-timeout-ms");
        cmd.add(String.valueOf(o.gateTimeoutMs));
        if (!o.granted.isEmpty()) {
            cmd.add("--grant");
            cmd.add(String.join(",", o.granted));
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            Child child = new Child(p, processName);
            CHILDREN.put(p.pid(), child);
            Lab.say("SPAWN " + p.pid() + " " + processName);
            if (!gating) resume(p.pid());
        } catch (IOException e) {
            Lab.say("SPAWN_FAILED " + processName + " " + e.getMessage());
        }
    }

    /** Lets a gated child run; false when there is no such child. */
    static boolean resume(long pid) {
        Child child = CHILDREN.get(pid);
        if (child == null || child.resumed) return child != null;
        child.resumed = true;
        try {
            OutputStream in = child.process.getOutputStream();
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** "pid name state" per child, state running|gated|exited. */
    static List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Long, Child> e : CHILDREN.entrySet()) {
            Child c = e.getValue();
            String state = !c.process.isAlive() ? "exited" : c.resumed ? "running" : "gated";
            out.add(e.getKey() + " " + c.name + " " + state);
        }
        return out;
    }

    static void killAll() {
        for (Child c : CHILDREN.values()) c.process.destroyForcibly();
    }
}
