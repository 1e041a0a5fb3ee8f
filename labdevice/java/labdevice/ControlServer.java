package labdevice;

import android.os.Handler;
import android.os.Looper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The device-control channel (the lab's adb): a loopback TCP port taking one command per line
 * and answering "OK <length>\n<bytes>" or "ERR <reason>\n". UI commands run on the app's main
 * thread; one that does not get its turn within MAIN_THREAD_TIMEOUT_MS answers "ERR ANR ...".
 *
 *   PING | TIME | DUMP | TAP x y | SCREENSHOT | HOME | IDLE | PROCESSES | RESUME pid | STOP
 *
 * IDLE answers how long the app has been quiet in ms (0 while it works; see LabMain.appQuiet).
 * A dump or a screenshot runs on the main thread as host work: it does not end a quiet stretch.
 */
final class ControlServer {
    private static final long MAIN_THREAD_TIMEOUT_MS = 5_000;
    private static final int MAX_LINE = 256;
    private final ServerSocket server;

    ControlServer(int port) throws IOException {
        server = new ServerSocket(port, 8, InetAddress.getLoopbackAddress());
    }

    int port() { return server.getLocalPort(); }

    void start() {
        Thread t = new Thread(this::acceptLoop, "lab-control");
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (true) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "lab-control-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (Socket s = socket) {
            s.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.length() > MAX_LINE) {
                    error(out, "command too long");
                    continue;
                }
                try {
                    ok(out, handle(line.trim()));
                } catch (IllegalArgumentException e) {
                    error(out, e.getMessage());
                } catch (TimeoutException e) {
                    error(out, "ANR: the main thread did not respond within " + MAIN_THREAD_TIMEOUT_MS + " ms");
                } catch (Exception e) {
                    error(out, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            // the host went away
        }
    }

    private byte[] handle(String line) throws Exception {
        String[] parts = line.split("\\s+");
        switch (parts[0].toUpperCase()) {
            case "PING": return bytes("pong");
            case "TIME": return bytes(String.valueOf(System.currentTimeMillis()));
            case "DUMP": return bytes(onMain(new HostWork<>(WindowServer::dumpXml)));
            case "TAP": {
                if (parts.length != 3) throw new IllegalArgumentException("usage: TAP x y");
                int x = coordinate(parts[1], WindowServer.SCREEN_WIDTH);
                int y = coordinate(parts[2], WindowServer.SCREEN_HEIGHT);
                LabMain.noteInput();
                String what;
                try {
                    what = onMain(() -> WindowServer.tap(x, y));
                } catch (RuntimeException e) {
                    // the app's handler threw: the main thread dies with it, as input tap on a phone just returns
                    what = "crash " + e.getClass().getName();
                }
                Lab.say("TAP " + x + " " + y + " " + what);
                return bytes(what);
            }
            case "SCREENSHOT": return ScreenRenderer.png(onMain(new HostWork<>(WindowServer::visibleWindows)));
            case "IDLE": return bytes(String.valueOf(LabMain.quietMillis()));
            case "HOME": {
                LabMain.noteInput();
                return bytes(onMain(() -> { LabMain.pressHome(); return "home"; }));
            }
            case "PROCESSES": return bytes(String.join("\n", Processes.describe()));
            case "RESUME": {
                if (parts.length != 2) throw new IllegalArgumentException("usage: RESUME pid");
                long pid;
                try {
                    pid = Long.parseLong(parts[1]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("RESUME needs a pid");
                }
                if (!Processes.resume(pid)) throw new IllegalArgumentException("no child process " + pid);
                return bytes("resumed");
            }
            case "STOP": {
                Thread t = new Thread(() -> LabMain.exit(0, "stopped"), "lab-stop");
                t.start();
                return bytes("stopping");
            }
            default: throw new IllegalArgumentException("unknown command " + parts[0]);
        }
    }

    private static int coordinate(String text, int limit) {
        try {
            int v = Integer.parseInt(text);
            if (v < 0 || v >= limit) throw new IllegalArgumentException("coordinate " + v + " is off the screen (0.." + (limit - 1) + ")");
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("coordinates must be integers");
        }
    }

    /** A look at the screen the host asked for: not the app's own work (LabMain.appQuiet). */
    private static final class HostWork<T> implements Callable<T> {
        private final Callable<T> work;

        HostWork(Callable<T> work) { this.work = work; }

        @Override public T call() throws Exception { return work.call(); }
    }

    /** The main-thread message that runs a HostWork. */
    private static final class HostMessage implements Runnable {
        private final Runnable body;

        HostMessage(Runnable body) { this.body = body; }

        @Override public void run() { body.run(); }
    }

    static boolean isHostWork(Runnable callback) { return callback instanceof HostMessage; }

    /** Runs on the main looper (or here while the app has not started: no windows yet). */
    private static <T> T onMain(Callable<T> work) throws Exception {
        Looper main = Looper.getMainLooper();
        if (main == null || main.isCurrentThread()) return work.call();
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable body = () -> {
            try {
                result.complete(work.call());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                throw e;  // uncaught on the main thread: the app dies, as on Android
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        };
        new Handler(main).post(work instanceof HostWork ? new HostMessage(body) : body);
        try {
            return result.get(MAIN_THREAD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) throw (Exception) cause;
            throw new RuntimeException(cause);
        }
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static void ok(OutputStream out, byte[] body) throws IOException {
        byte[] header = ("OK " + body.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] answer = new byte[header.length + body.length];
        System.arraycopy(header, 0, answer, 0, header.length);
        System.arraycopy(body, 0, answer, header.length, body.length);
        out.write(answer);  // one write: no small-packet stall between header and body
        out.flush();
    }

    private static void error(OutputStream out, String message) throws IOException {
        out.write(("ERR " + String.valueOf(message).replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
