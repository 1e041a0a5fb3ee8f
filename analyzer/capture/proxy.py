"""Run mitmdump with the capture addon as a child process.

``start_proxy`` returns once the proxy accepts connections (the addon writes the real
listening address to a ready file, so ``port=0`` works) and ``stop()`` ends it with
SIGTERM: mitmdump then runs the addon's ``done()``, which records flows still in flight
and flushes the writer before the process exits. The addon bounds that flush itself
(``consentry_flush_timeout``, then the rest goes to its spool), so ``stop()`` waits
longer than that bound before it would ever send SIGKILL.

mitmdump dies with the process that started it: on Linux the kernel sends it SIGTERM
when its parent ends (PR_SET_PDEATHSIG), elsewhere the addon watches its parent's pid.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

CA_CERT_NAME = "mitmproxy-ca-cert.pem"
_MITMDUMP = "from mitmproxy.tools.main import mitmdump; mitmdump()"
DEFAULT_FLUSH_TIMEOUT = 300.0  # seconds the addon waits for a slow store at shutdown
_PR_SET_PDEATHSIG = 1


class ProxyError(RuntimeError):
    """The proxy could not be started (one line, with the tail of mitmdump's output)."""


def addon_path() -> Path:
    """The capture addon script, from a source checkout or the installed wheel."""
    from analyzer.resources import addon_script

    return addon_script("capture.py")


def default_confdir() -> Path:
    """mitmproxy's own default, so a CA already installed on a phone keeps working."""
    return Path.home() / ".mitmproxy"


@dataclass
class ProxyHandle:
    process: subprocess.Popen
    host: str
    port: int
    confdir: Path
    session: str
    log_path: Path
    _workdir: Path = field(repr=False)
    returncode: int | None = None
    _final_log: str = field(default="", repr=False)

    @property
    def ca_cert_path(self) -> Path:
        return self.confdir / CA_CERT_NAME

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            text = self._final_log
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = DEFAULT_FLUSH_TIMEOUT + 60) -> int:
        """SIGTERM, wait for the flush; SIGKILL only past the addon's own flush bound."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.returncode = self.process.returncode
        self._final_log = self.log_tail(200)  # the log lives in the work dir removed below
        shutil.rmtree(self._workdir, ignore_errors=True)
        return self.returncode

    def __enter__(self) -> "ProxyHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _option_args(options: Mapping[str, object]) -> list[str]:
    args: list[str] = []
    for name, value in options.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        args += ["--set", f"{name}={value}"]
    return args


def mitmdump_command(
    store_url: str | None,
    session_name: str,
    *,
    host: str,
    port: int,
    confdir: Path,
    ready_file: Path | None = None,
    extra_scripts: Iterable[str | Path] = (),
    extra_options: Mapping[str, object] | None = None,
    addon: Path | None = None,
) -> list[str]:
    options: dict[str, object] = {"confdir": str(confdir), "consentry_session": session_name,
                                  "consentry_parent_pid": os.getpid(),
                                  "consentry_flush_timeout": DEFAULT_FLUSH_TIMEOUT}
    if store_url:
        options["consentry_db"] = store_url
    if ready_file is not None:
        options["consentry_ready_file"] = str(ready_file)
    options.update(extra_options or {})
    # Errors and warnings still reach the log (and ProxyError); per-flow lines do not.
    options.setdefault("termlog_verbosity", "warn")
    options.setdefault("flow_detail", 0)
    cmd = [sys.executable, "-c", _MITMDUMP, "--listen-host", host, "--listen-port", str(port),
           "-s", str(addon or addon_path())]
    for script in extra_scripts:
        cmd += ["-s", str(script)]
    return cmd + _option_args(options)


def start_proxy(
    store_url: str | None,
    session_name: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    confdir: str | Path | None = None,
    extra_scripts: Iterable[str | Path] = (),
    extra_options: Mapping[str, object] | None = None,
    startup_timeout: float = 60.0,
    addon: Path | None = None,
) -> ProxyHandle:
    """Start mitmdump + the capture addon (or ``addon``, a script built on it); returns when it accepts connections."""
    confdir = Path(confdir).expanduser() if confdir else default_confdir()
    confdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="consentry-proxy-"))
    ready_file = workdir / "ready.json"
    log_path = workdir / "mitmdump.log"
    cmd = mitmdump_command(store_url, session_name, host=host, port=port, confdir=confdir, ready_file=ready_file,
                           extra_scripts=extra_scripts, extra_options=extra_options, addon=addon)
    _check_port_free(host, port)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "wb") as log_fh:
        process = subprocess.Popen(cmd, stdout=log_fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    handle = ProxyHandle(process, host, port, confdir, session_name, log_path, workdir)
    try:
        handle.port = _wait_ready(handle, ready_file, startup_timeout)
    except ProxyError:
        handle.stop(timeout=10)
        raise
    return handle


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM (a clean, flushing stop) when the parent dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _check_port_free(host: str, port: int) -> None:
    """One clear line for a busy port, before mitmdump (and a session) is started."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as mitmproxy binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ProxyError(f"port {port} on {host} is already in use (another proxy?); "
                                 "choose another with --listen-port") from None
            raise ProxyError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _wait_ready(handle: ProxyHandle, ready_file: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            raise ProxyError(f"mitmdump exited with code {handle.process.returncode}: {_last_line(handle)}")
        if ready_file.exists():
            port = _listening_port(json.loads(ready_file.read_text()), handle.port)
            if _accepts(handle.host, port):
                return port
        time.sleep(0.05)
    raise ProxyError(f"mitmdump did not start listening within {timeout:.0f}s: {_last_line(handle)}")


def _listening_port(ready: dict, requested: int) -> int:
    for _host, port in ready.get("listen", []):
        if port:
            return int(port)
    return requested


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _last_line(handle: ProxyHandle) -> str:
    lines = [ln for ln in handle.log_tail(40).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "rror" in ln]
    return (errors or lines or ["(no output)"])[-1].strip()[:300]
