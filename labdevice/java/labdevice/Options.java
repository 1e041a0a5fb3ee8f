package labdevice;

import java.util.ArrayList;
import java.util.List;

/** Command-line options of a lab app run (see analyzer/lab/launch.py). */
public final class Options {
    public String scenario;
    public long dialogTimeoutMs = 30_000;
    public long withdrawTimeoutMs = 30_000;
    public long gateTimeoutMs = 120_000;
    public boolean gate = true;
    public boolean printProfile;
    public final List<String> pins = new ArrayList<>();
    public String labCaPath;

    public static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--scenario": o.scenario = value(args, ++i, a); break;
                case "--dialog-timeout-ms": o.dialogTimeoutMs = millis(args, ++i, a); break;
                case "--withdraw-timeout-ms": o.withdrawTimeoutMs = millis(args, ++i, a); break;
                case "--gate-timeout-ms": o.gateTimeoutMs = millis(args, ++i, a); break;
                case "--no-gate": o.gate = false; break;
                case "--print-profile": o.printProfile = true; break;
                case "--pin": o.pins.add(value(args, ++i, a)); break;
                case "--lab-ca": o.labCaPath = value(args, ++i, a); break;
                default: throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (o.scenario == null && !o.printProfile) throw new IllegalArgumentException("--scenario is required");
        return o;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) throw new IllegalArgumentException(name + " needs a value");
        return args[i];
    }

    private static long millis(String[] args, int i, String name) {
        try {
            long v = Long.parseLong(value(args, i, name));
            if (v < 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a non-negative number of milliseconds");
        }
    }
}
