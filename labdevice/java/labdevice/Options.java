package labdevice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Command-line options of a lab app process (see analyzer/lab/launch.py and docs/labdevice.md). */
public final class Options {
    public String apk;
    public String dataDir;
    public String processName;
    public String serviceClass;
    public int controlPort = -1;
    public long idleExitMs = 30_000;
    public long gateTimeoutMs = 120_000;
    public boolean gate = true;
    public boolean childGating;
    public boolean printProfile;
    public final List<String> pins = new ArrayList<>();
    public String labCaPath;
    public final Set<String> granted = new LinkedHashSet<>();

    public static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--apk": o.apk = value(args, ++i, a); break;
                case "--data-dir": o.dataDir = value(args, ++i, a); break;
                case "--process": o.processName = value(args, ++i, a); break;
                case "--service": o.serviceClass = value(args, ++i, a); break;
                case "--control-port": o.controlPort = (int) number(args, ++i, a); break;
                case "--idle-exit-ms":
                case "--dialog-timeout-ms": o.idleExitMs = number(args, ++i, a); break;
                case "--withdraw-timeout-ms": number(args, ++i, a); break;
                case "--gate-timeout-ms": o.gateTimeoutMs = number(args, ++i, a); break;
                case "--no-gate": o.gate = false; break;
                case "--child-gating": o.childGating = true; break;
                case "--print-profile": o.printProfile = true; break;
                case "--pin": o.pins.add(value(args, ++i, a)); break;
                case "--lab-ca": o.labCaPath = value(args, ++i, a); break;
                case "--grant": o.granted.addAll(Arrays.asList(value(args, ++i, a).split(","))); break;
                default: throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (o.apk == null && !o.printProfile) throw new IllegalArgumentException("--apk is required");
        if (o.serviceClass != null && o.processName == null) throw new IllegalArgumentException("--service needs --process");
        return o;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    private static long number(String[] args, int i, String name) {
        try {
            long v = Long.parseLong(value(args, i, name));
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a non-negative number");
        }
    }
}
