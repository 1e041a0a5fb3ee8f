"""Start a lab app: its java command line and a small process wrapper.

Protocol (stdout lines): ``LAB:WAITING`` then the app blocks reading one line from stdin
(the start gate: attach Frida, load hooks, then write "go\\n"); ``LAB:STARTED``; ...;
``LAB:DONE`` and exit. Other ``LAB:`` lines report what happened (CONSENT, HTTP,
PIN_FAILED, COUNT ...); see docs/labdevice.md.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analyzer.lab.build import MAIN_CLASS, ensure_built, tool
from analyzer.lab.ca import TRUSTSTORE_PASSWORD

DEFAULT_DIALOG_TIMEOUT_MS = 30_000
DEFAULT_WITHDRAW_TIMEOUT_MS = 30_000
JVM_OPTIONS = ("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8",
               "-Dsun.stdout.encoding=UTF-8", "-Dstdout.encoding=UTF-8")


class LabProcessError(RuntimeError):
    pass


def resolve_apk(app: str | Path) -> Path:
    """A built-in scenario name (its app is built, cached) or the path of a built lab app."""
    path = Path(app)
    if path.suffix in (".apk", ".jar") or path.is_file():
        return path
    from analyzer.lab.apps import build_builtin
    from analyzer.lab.scenarios import load_scenarios

    scenario = load_scenarios().get(str(app))
    return build_builtin(scenario.app_dir if scenario is not None else str(app))


def lab_command(
    app: str | Path,
    *,
    proxy: tuple[str, int] | None,
    truststore: Path | None,
    truststore_password: str = TRUSTSTORE_PASSWORD,
    dialog_timeout_ms: int = DEFAULT_DIALOG_TIMEOUT_MS,
    withdraw_timeout_ms: int = DEFAULT_WITHDRAW_TIMEOUT_MS,
    pins: Iterable[str] = (),
    lab_ca: Path | None = None,
    gate: bool = True,
    classpath: Path | None = None,
    java_options: Iterable[str] = (),
    data_dir: Path | None = None,
    control_port: int | None = 0,
    granted: Iterable[str] = (),
    child_gating: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> list[str]:
    """The java command line of one lab app process.

    app: a built-in scenario name or a built lab app (APP.apk);
    proxy: the HTTP proxy every request goes through (the phone's global proxy);
    truststore: PKCS12 trust store with the proxy CA (the rooted phone's system CA);
    dialog_timeout_ms: how long the simulated user stays on an idle screen before pressing
      Home (and, idle again, leaving the app); withdraw_timeout_ms is accepted for old callers;
    pins / lab_ca: provisioned as system properties labdevice.pins / labdevice.lab_ca;
    data_dir: the app's data directory (default: a fresh one);
    control_port: the device-control port (0: any free port, printed as LAB:CONTROL; None: none);
    child_gating: the app's other processes wait at their gate until RESUME <pid>;
    extra: more options, {"name": value} becomes "--name value" (True: just "--name").
    """
    apk = resolve_apk(app)
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="consentry-labdata-"))
    cmd = [tool("java"), *JVM_OPTIONS, *java_options]
    if proxy is not None:
        host, port = proxy
        for scheme in ("http", "https"):
            cmd += [f"-D{scheme}.proxyHost={host}", f"-D{scheme}.proxyPort={int(port)}"]
        cmd.append("-Dhttp.nonProxyHosts=")  # the default would bypass the proxy for localhost
    if truststore is not None:
        cmd += [f"-Djavax.net.ssl.trustStore={truststore}", f"-Djavax.net.ssl.trustStorePassword={truststore_password}",
                "-Djavax.net.ssl.trustStoreType=PKCS12"]
    cmd += ["-cp", str(classpath or ensure_built()), MAIN_CLASS, "--apk", str(apk), "--data-dir", str(data_dir),
            "--idle-exit-ms", str(int(dialog_timeout_ms))]
    if control_port is not None:
        cmd += ["--control-port", str(int(control_port))]
    granted = list(granted)
    if granted:
        cmd += ["--grant", ",".join(granted)]
    if child_gating:
        cmd.append("--child-gating")
    for pin in pins:
        cmd += ["--pin", pin]
    if lab_ca is not None:
        cmd += ["--lab-ca", str(lab_ca)]
    if not gate:
        cmd.append("--no-gate")
    for name, value in (extra or {}).items():
        if value is True:
            cmd.append(f"--{name}")
        elif value not in (None, False):
            cmd += [f"--{name}", str(value)]
    return cmd


class LabProcess:
    """A running lab app: collects its stdout lines and lets the host drive the start gate.

    with LabProcess(cmd) as app:
        app.wait_for_line("LAB:WAITING"); ...attach hooks...; app.release_gate()
        app.wait_for_line("LAB:DONE", timeout=60)
    """

    def __init__(self, cmd: list[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None):
        self.cmd = list(cmd)
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._proc: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._stderr: list[str] = []
        self._changed = threading.Condition()
        self._eof = False
        self._listeners: list[Any] = []

    def add_line_listener(self, listener) -> None:
        """Calls listener(line) for every stdout line from now on (on the reader thread)."""
        with self._changed:
            self._listeners.append(listener)

    def start(self) -> "LabProcess":
        env = {**os.environ, **(self._env or {})}
        try:
            self._proc = subprocess.Popen(
                self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, encoding="utf-8", errors="replace", bufsize=1, env=env, cwd=self._cwd,
            )
        except OSError as exc:
            raise LabProcessError(f"cannot start the lab app: {exc}") from None
        threading.Thread(target=self._read_stdout, name="lab-stdout", daemon=True).start()
        threading.Thread(target=self._read_stderr, name="lab-stderr", daemon=True).start()
        return self

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise LabProcessError("lab app not started")
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def _read_stdout(self) -> None:
        assert self._proc and self._proc.stdout
        for line in self._proc.stdout:
            text = line.rstrip("\r\n")
            with self._changed:
                self._lines.append(text)
                self._changed.notify_all()
                listeners = list(self._listeners)
            for listener in listeners:
                try:
                    listener(text)
                except Exception:  # noqa: BLE001 - a listener's bug must not stop the reader
                    pass
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _read_stderr(self) -> None:
        assert self._proc and self._proc.stderr
        for line in self._proc.stderr:
            if len(self._stderr) < 2000:
                self._stderr.append(line.rstrip("\r\n"))

    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def stderr(self) -> list[str]:
        return list(self._stderr)

    def lab_lines(self, kind: str) -> list[str]:
        """The rest of every "LAB:<kind> ..." line of the main process, e.g. lab_lines("HTTP").

        The app's own logcat lines with that tag count too ("LAB:LOG I/HTTP: 200 POST ...").
        """
        prefix = f"LAB:{kind} "
        out = []
        for line in self.lines():
            if line.startswith(prefix):
                out.append(line[len(prefix):])
            elif line.startswith("LAB:LOG ") and line[9:].startswith(f"/{kind}: "):
                out.append(line[9 + len(kind) + 3:])
        return out

    def logcat(self, tag: str | None = None) -> list[str]:
        """The app's android.util.Log messages ("LAB:LOG I/TAG: msg"), of one tag when given."""
        out = []
        for line in self.lines():
            if line.startswith("LAB:LOG ") and ": " in line:
                head, _, msg = line[8:].partition(": ")
                if tag is None or head.split("/", 1)[-1] == tag:
                    out.append(msg)
        return out

    def control_port(self, timeout: float = 30.0) -> int:
        """The device-control port the app opened (LAB:CONTROL)."""
        return int(self.wait_for_line("LAB:CONTROL ", timeout=timeout).split()[1])

    def children(self) -> list[tuple[int, str]]:
        """(pid, process name) of every other process the app started (LAB:SPAWN)."""
        out = []
        for rest in self.lab_lines("SPAWN"):
            pid, _, name = rest.partition(" ")
            out.append((int(pid), name))
        return out

    def counts(self) -> dict[str, int]:
        """API -> calls, from the LAB:COUNT lines printed at the end."""
        out: dict[str, int] = {}
        for rest in self.lab_lines("COUNT"):
            api, _, n = rest.rpartition(" ")
            out[api] = int(n)
        return out

    def wait_for_line(self, prefix: str, timeout: float = 30.0) -> str:
        """The first stdout line starting with prefix (seen now or later)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines:
                    if line.startswith(prefix):
                        return line
                if self._eof:
                    raise LabProcessError(f"lab app ended (exit {self.returncode}) before printing {prefix!r}{self._stderr_hint()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LabProcessError(f"lab app did not print {prefix!r} within {timeout:g}s")
                self._changed.wait(left)

    def _stderr_hint(self) -> str:
        tail = [s for s in self._stderr if s.strip()][-1:]
        return f": {tail[0][:200]}" if tail else ""

    def release_gate(self) -> None:
        """Let the app start (after the hooks reported ready)."""
        if self._proc is None or self._proc.stdin is None:
            raise LabProcessError("lab app not started")
        try:
            self._proc.stdin.write("go\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise LabProcessError(f"lab app is gone, cannot release the start gate: {exc}") from None

    def wait(self, timeout: float = 60.0) -> int:
        if self._proc is None:
            raise LabProcessError("lab app not started")
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise LabProcessError(f"lab app did not exit within {timeout:g}s") from None

    def kill_children(self) -> None:
        """Ends the app's other processes (a killed parent JVM cannot do it itself)."""
        import signal

        for pid, _name in self.children():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def terminate(self, timeout: float = 5.0) -> int | None:
        """Stop the app (SIGTERM, then SIGKILL); returns its exit code."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        self.kill_children()
        for stream in (self._proc.stdin,):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        return self._proc.returncode

    def __enter__(self) -> "LabProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.terminate()
