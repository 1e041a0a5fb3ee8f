"""A rooted Android device over USB: adb for settings, frida-server for hooks.

Kept thin on purpose: every device change goes through ``adb`` (an adbutils
``AdbDevice``) or the Frida ``Device`` handed to the constructor, and every change is
undone in ``close()`` (the runner calls it from ``finally`` and on SIGTERM), so a
crashed run never leaves the phone pointing at a dead proxy.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import threading
from pathlib import Path
from typing import Any, Callable

from analyzer.devices.base import AppProcess, AppTarget, DeviceBackend, DeviceError, LaunchOptions, PermissionPolicy, RunningApp

# Where an app's TLS stack reads the system CAs: conscrypt's APEX store from Android 14
# (API 34; updatable, mounted per process), /system before. Read through /proc/<pid>/root,
# the app's own mount namespace: adb shell's namespace may show another store.
SYSTEM_CA_DIR = "/system/etc/security/cacerts"
APEX_CA_DIR = "/apex/com.android.conscrypt/cacerts"
APEX_CA_FROM_SDK = 34
CA_STAGING_DIR = "/data/local/tmp/consentry-cacerts"
_PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$")
_PERMISSION_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
# uiautomator writes to a file the shell user owns; /sdcard may be unmounted or scoped.
UI_DUMP_PATH = "/data/local/tmp/consentry-window.xml"
INSTALL_PATH = "/data/local/tmp/consentry-install.apk"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_RUNTIME_PERMISSION = re.compile(r"^\s+([A-Za-z0-9_.]+): granted=(true|false)")


def connect_adb(serial: str | None):
    import adbutils

    try:
        client = adbutils.AdbClient()
        if serial:
            return client.device(serial=serial)
        return client.device()
    except Exception as exc:  # noqa: BLE001 - adbutils raises several unrelated types
        raise DeviceError(f"no adb device{' ' + serial if serial else ''}: {str(exc).splitlines()[0] if str(exc) else exc}"
                          " (is adb running and the phone authorised? `adb devices`)") from None


def connect_frida(serial: str):
    import frida

    try:
        return frida.get_device(serial, timeout=5)
    except Exception as exc:  # noqa: BLE001
        raise DeviceError(f"Frida cannot reach device {serial}: {exc}") from None


def subject_hash_old(cert_pem: bytes) -> str:
    """OpenSSL's ``subject_hash_old`` of a certificate: the file name Android expects."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_pem)
    digest = hashlib.md5(cert.subject.public_bytes()).digest()  # noqa: S324 - OpenSSL's naming scheme
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def process_suffix(package: str, identifier: str | None) -> str | None:
    """The app's name for one of its processes: ":push" for "com.app:push", the full name
    for another process of the app ("com.app.remote"), None for anything else."""
    if not identifier:
        return None
    if identifier.startswith(package + ":"):
        return identifier[len(package):]
    if identifier.startswith(package + "."):
        return identifier
    return None


class UsbApp(RunningApp):
    def __init__(self, device: Any, pid: int, session: Any, package: str) -> None:
        self.frida_device = device
        self.frida_session = session
        self.pid = pid
        self.package = package
        self._exit: int | None = None
        self._gone = threading.Event()
        self._on_process: Callable[[AppProcess], None] | None = None
        self._gating = False
        session.on("detached", self._on_detached)

    def watch_processes(self, on_process: Callable[[AppProcess], None]) -> bool:
        """Spawn gating (zygote starts ":push" as a new app process, not a child) and child
        gating (processes the app forks itself): each is held, handed over, resumed by the
        callee; other apps' spawns are resumed at once."""
        self._on_process = on_process
        device = self.frida_device
        try:
            device.on("spawn-added", self._on_spawn)
            device.on("child-added", self._on_child)
            device.enable_spawn_gating()
            self._gating = True
            self.frida_session.enable_child_gating()
        except Exception:  # noqa: BLE001 - an older frida-server: the main process is still hooked
            self._stop_gating()
            return False
        return True

    def _on_spawn(self, spawn: Any) -> None:
        self._hand_over(spawn.pid, getattr(spawn, "identifier", None))

    def _on_child(self, child: Any) -> None:
        self._hand_over(child.pid, getattr(child, "identifier", None) or self.package + ":child")

    def _hand_over(self, pid: int, identifier: str | None) -> None:
        name = process_suffix(self.package, identifier)
        device = self.frida_device
        if name is None or self._on_process is None:
            device.resume(pid)
            return
        process = AppProcess(pid=pid, name=name, frida_device=device, resume=lambda: device.resume(pid))
        # Attaching blocks on the device: not on Frida's signal thread.
        threading.Thread(target=self._on_process, args=(process,), name=f"consentry-hook-{pid}", daemon=True).start()

    def _stop_gating(self) -> None:
        if self._gating:
            self._gating = False
            try:
                self.frida_device.disable_spawn_gating()
            except Exception:  # noqa: BLE001 - the device may be gone
                pass
        for signal, handler in (("spawn-added", self._on_spawn), ("child-added", self._on_child)):
            try:
                self.frida_device.off(signal, handler)
            except Exception:  # noqa: BLE001 - never connected
                pass

    def _on_detached(self, reason: str, crash: Any = None) -> None:
        if reason in ("process-terminated", "process-replaced"):
            self._exit = -1 if crash is not None else 0
            self._gone.set()

    def release(self) -> None:
        self.frida_device.resume(self.pid)

    def exit_code(self) -> int | None:
        return self._exit if self._gone.is_set() else None

    def stop(self, timeout: float = 5.0) -> int | None:
        self._stop_gating()
        if not self._gone.is_set():
            try:
                self.frida_device.kill(self.pid)
            except Exception:  # noqa: BLE001 - already gone
                pass
        return self._exit


class UsbBackend(DeviceBackend):
    kind = "usb"

    def __init__(
        self,
        serial: str | None = None,
        *,
        adb: Any = None,
        frida_device: Any = None,
        frida_version: str | None = None,
        connect_frida_device: Callable[[str], Any] = connect_frida,
        inject_ca: bool = False,
    ) -> None:
        self.inject_ca = inject_ca
        self._ca_cert_path: Path | None = None
        self.adb = adb if adb is not None else connect_adb(serial)
        self.serial = serial or getattr(self.adb, "serial", None) or ""
        self._frida_device = frida_device
        self._connect_frida = connect_frida_device
        if frida_version is None:
            import frida

            frida_version = frida.__version__
        self.host_frida_version = frida_version
        self._undo: list[tuple[str, Callable[[], None]]] = []
        self._closed = False

    # -- device facts ------------------------------------------------------------------
    def sh(self, command: str) -> str:
        out = self.adb.shell(command)
        return (out if isinstance(out, str) else out.decode("utf-8", "replace")).strip()

    def su(self, command: str) -> str:
        return self.sh(f"su -c {shlex.quote(command)}")

    @property
    def frida_device(self):
        if self._frida_device is None:
            self._frida_device = self._connect_frida(self.serial)
        return self._frida_device

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "usb",
            "serial": self.serial,
            "name": self.sh("getprop ro.product.model") or None,
            "manufacturer": self.sh("getprop ro.product.manufacturer"),
            "android_release": self.sh("getprop ro.build.version.release"),
            "sdk": self.sh("getprop ro.build.version.sdk"),
            "fingerprint": self.sh("getprop ro.build.fingerprint"),
            "frida_version": self.host_frida_version,
            "frida_server_version": self.frida_server_version(),
        }

    def frida_server_version(self) -> str:
        """The running frida-server's version; raises DeviceError if none runs."""
        pid = self.sh("pidof frida-server").split()
        if not pid:
            raise DeviceError(
                "frida-server is not running on the device: push the frida-server "
                f"{self.host_frida_version} for its ABI to /data/local/tmp and start it as root"
            )
        exe = self.su(f"readlink /proc/{pid[0]}/exe")
        version = self.su(f"{exe} --version").splitlines()[-1].strip() if exe else ""
        return version

    def check_frida(self) -> str:
        server = self.frida_server_version()
        if server and server.split(".")[0] != self.host_frida_version.split(".")[0]:
            raise DeviceError(
                f"frida-server {server} on the device does not match frida {self.host_frida_version} "
                f"on this workstation: install frida-server {self.host_frida_version}"
            )
        return server

    def sdk_level(self) -> int:
        try:
            return int(self.sh("getprop ro.build.version.sdk"))
        except ValueError:
            return 0

    def app_ca_dir(self) -> str:
        """The system CA directory the app's TLS stack reads on this Android version."""
        return APEX_CA_DIR if self.sdk_level() >= APEX_CA_FROM_SDK else SYSTEM_CA_DIR

    def check_ca(self, ca_cert_path: Path, pid: int) -> str:
        """The CA's Android file name if the app (pid) trusts it, read in the app's own mount
        namespace; injects it there first when this backend was asked to; raises DeviceError
        otherwise."""
        name = subject_hash_old(Path(ca_cert_path).read_bytes()) + ".0"
        ca_dir = self.app_ca_dir()
        if self._app_sees_ca(pid, ca_dir, name):
            return name
        if self.inject_ca:
            self.inject_ca_into(pid, ca_dir, Path(ca_cert_path), name)
            if self._app_sees_ca(pid, ca_dir, name):
                return name
            raise DeviceError(f"injecting the mitmproxy CA into {ca_dir} of pid {pid} did not take effect")
        raise DeviceError(
            f"the app would not trust the mitmproxy CA ({ca_cert_path}): {ca_dir}/{name} is not in its mount namespace; "
            + ("on Android 14+ the conscrypt APEX store is used, so a CA only in /system or the user store is not enough; "
               if ca_dir == APEX_CA_DIR else "copy it as " + name + " into " + SYSTEM_CA_DIR + " and reboot, or ")
            + "run with --inject-ca to add it to the app's namespace for this run"
        )

    def _app_sees_ca(self, pid: int, ca_dir: str, name: str) -> bool:
        path = f"/proc/{pid}/root{ca_dir}/{name}"
        listing = self.su(f"ls {path}")
        # toybox ls prints the path when it exists, "ls: PATH: No such file or directory" otherwise.
        return listing.strip() == path

    def inject_ca_into(self, pid: int, ca_dir: str, ca_cert_path: Path, name: str) -> None:
        """Adds the CA to the app's view of its system CA store for this run, as httptoolkit's
        scripts do: a tmpfs over the directory in the app's mount namespace only, holding the
        existing CAs plus this one. Nothing on the device's partitions changes; the mount
        ends with the process."""
        staging = CA_STAGING_DIR
        self._undo.append(("ca staging", lambda: self.su(f"rm -rf {staging}")))
        out = self.su(f"rm -rf {staging} && mkdir -p {staging} && cp /proc/{pid}/root{ca_dir}/* {staging}/")
        self._fail_on_shell_error(out, f"cannot copy the app's CA store {ca_dir}")
        self.adb.sync.push(Path(ca_cert_path).read_bytes(), f"{staging}/{name}")
        script = (f"mount -t tmpfs tmpfs {ca_dir} && cp {staging}/* {ca_dir}/ && chown root:root {ca_dir}/* "
                  f"&& chmod 644 {ca_dir}/* && chcon u:object_r:system_file:s0 {ca_dir}/*")
        out = self.su(f"nsenter --mount=/proc/{pid}/ns/mnt -- /system/bin/sh -c {shlex.quote(script)}")
        self._fail_on_shell_error(out, f"cannot mount the CA store into pid {pid}'s namespace")

    @staticmethod
    def _fail_on_shell_error(output: str, what: str) -> None:
        for line in output.splitlines():
            if re.search(r"(: not found|inaccessible or not found|Permission denied|No such file or directory|"
                         r"Read-only file system|Invalid argument|Operation not permitted)$", line.strip()):
                raise DeviceError(f"{what}: {line.strip()}")

    def resolve_app(self, app: str) -> AppTarget:
        if not _PACKAGE_RE.match(app):
            raise DeviceError(f"--app must be an Android package name on a USB device, got {app!r}")
        dump = self.sh(f"dumpsys package {shlex.quote(app)}")
        found = re.search(r"versionName=(\S+)", dump)
        if "Unable to find package" in dump or found is None:
            raise DeviceError(f"package {app} is not installed on {self.serial or 'the device'}")
        return AppTarget(requested=app, package=app, version=found.group(1))

    # -- network -----------------------------------------------------------------------
    def route_traffic(self, host: str, port: int, ca_cert_path: Path | None) -> None:
        self.check_frida()
        # The CA is checked in the spawned app's own mount namespace (spawn()).
        self._ca_cert_path = ca_cert_path
        previous = self.sh("settings get global http_proxy")
        self._undo.append(("http_proxy", lambda: self._restore_proxy(previous)))
        self.adb.reverse(f"tcp:{port}", f"tcp:{port}")
        self._undo.append(("reverse", lambda: self.adb.reverse_remove(f"tcp:{port}")))
        # The device reaches the workstation's loopback port through the adb reverse tunnel.
        self.sh(f"settings put global http_proxy 127.0.0.1:{port}")

    def _restore_proxy(self, previous: str) -> None:
        if previous and previous not in ("null", ":0"):
            self.sh(f"settings put global http_proxy {shlex.quote(previous)}")
        else:
            # ":0" clears the proxy at once; deleting alone leaves it cached until reboot.
            self.sh("settings put global http_proxy :0")
            self.sh("settings delete global http_proxy")

    # -- app ---------------------------------------------------------------------------
    def spawn(self, target: AppTarget, options: LaunchOptions) -> RunningApp:
        device = self.frida_device
        try:
            pid = device.spawn([target.package])
        except Exception as exc:  # noqa: BLE001
            raise DeviceError(f"could not spawn {target.package}: {exc}") from None
        if self._ca_cert_path is not None:
            try:
                self.check_ca(self._ca_cert_path, pid)
            except DeviceError:
                device.kill(pid)
                raise
        try:
            session = device.attach(pid)
        except Exception as exc:  # noqa: BLE001
            device.kill(pid)
            raise DeviceError(f"could not attach to {target.package} (pid {pid}): {exc}") from None
        return UsbApp(device, pid, session, target.package)

    # -- per-run app state (pm / am) ------------------------------------------------------
    def install(self, apk: Path, permissions: PermissionPolicy = PermissionPolicy()) -> AppTarget:
        """``pm install -r`` the APK, then make its runtime permissions exactly ``permissions``."""
        from analyzer.devices.apk import ApkError, read_apk

        try:
            info = read_apk(Path(apk))
        except ApkError as exc:
            raise DeviceError(str(exc)) from None
        if not _PACKAGE_RE.match(info.package):
            raise DeviceError(f"{apk}: the manifest's package {info.package!r} is not a package name")
        self.adb.push(str(apk), INSTALL_PATH)
        flags = "-r -g" if permissions.mode == "all" else "-r"
        out = self.sh(f"pm install {flags} {INSTALL_PATH}; rm -f {INSTALL_PATH}")
        if "Success" not in (line.strip() for line in out.splitlines()):
            raise DeviceError(f"could not install {Path(apk).name}: {_first_line(out) or 'no answer from pm install'}")
        if permissions.mode != "all":
            self._set_runtime_permissions(info.package, set(permissions.names))
        return self.resolve_app(info.package)

    def runtime_permissions(self, package: str) -> dict[str, bool]:
        """The app's runtime permissions and whether each is granted (``dumpsys package``)."""
        dump = self.sh(f"dumpsys package {shlex.quote(package)}")
        perms: dict[str, bool] = {}
        inside = False
        for line in dump.splitlines():
            if line.strip() == "runtime permissions:":
                inside = True
                continue
            m = _RUNTIME_PERMISSION.match(line) if inside else None
            if m is None:
                inside = False
                continue
            perms[m.group(1)] = m.group(2) == "true"
        return perms

    def _set_runtime_permissions(self, package: str, wanted: set[str]) -> None:
        bad = sorted(p for p in wanted if not _PERMISSION_RE.match(p))
        if bad:
            raise DeviceError(f"not a permission name: {bad[0]!r}")
        for name, granted in sorted(self.runtime_permissions(package).items()):
            if granted and name not in wanted:
                self._pm_permission("revoke", package, name)
        for name in sorted(wanted):
            self._pm_permission("grant", package, name)

    def _pm_permission(self, verb: str, package: str, name: str) -> None:
        out = self.sh(f"pm {verb} {package} {name}")
        if out:  # pm grant/revoke print nothing on success, an exception otherwise
            lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
            reason = next((ln for ln in lines if "Exception" in ln and ":" in ln and not ln.startswith("Exception occurred")), lines[0])
            raise DeviceError(f"could not {verb} {name} for {package}: {reason}")

    def clear_app_data(self, package: str) -> None:
        if not _PACKAGE_RE.match(package):
            raise DeviceError(f"not a package name: {package!r}")
        out = self.sh(f"pm clear {package}")
        if _first_line(out) != "Success":
            raise DeviceError(f"could not clear the data of {package}: pm clear said {_first_line(out) or 'nothing'}")

    def force_stop(self, package: str) -> None:
        if not _PACKAGE_RE.match(package):
            raise DeviceError(f"not a package name: {package!r}")
        self.sh(f"am force-stop {package}")

    # -- the UI from outside the app (uiautomator / input / screencap) ---------------------
    def dump_ui(self) -> str:
        # The file is removed first so a failed dump can never hand back the previous screen.
        out = self.sh(f"rm -f {UI_DUMP_PATH}; uiautomator dump {UI_DUMP_PATH}")
        if "dumped to:" not in out:  # "UI hierchary dumped to: PATH" (sic) on success
            raise DeviceError(f"uiautomator dump failed: {_first_line(out) or 'no output'}")
        xml = self.sh(f"cat {UI_DUMP_PATH}")
        if "<hierarchy" not in xml:
            raise DeviceError(f"uiautomator dump failed: {_first_line(xml) or 'empty dump'}")
        return xml

    def tap(self, x: int, y: int) -> None:
        out = self.sh(f"input tap {int(x)} {int(y)}")
        if out:
            raise DeviceError(f"input tap {int(x)} {int(y)} failed: {_first_line(out)}")

    def screenshot(self) -> bytes:
        data = self.exec_out("screencap -p")
        if data.startswith(b"\x89PNG\r\r\n"):  # a pty turned every \n into \r\n (old adbd)
            data = data.replace(b"\r\n", b"\n")
        if not data.startswith(PNG_MAGIC):
            raise DeviceError(f"screencap failed: {_first_line(data.decode('utf-8', 'replace')) or 'no output'}")
        return data

    def exec_out(self, command: str) -> bytes:
        """A command's raw stdout, as ``adb exec-out`` gives it."""
        return self.adb.shell(command, encoding=None, rstrip=False)

    def device_time(self) -> float:
        out = self.sh("date +%s.%N")
        try:
            return float(out) * 1000.0
        except ValueError:
            pass
        try:  # toolbox date without %N: whole seconds
            return float(out.split(".")[0]) * 1000.0
        except ValueError:
            raise DeviceError(f"cannot read the device clock: date said {_first_line(out)!r}") from None

    def close(self) -> None:
        """Undo device changes in reverse order; one failure does not skip the rest."""
        if self._closed:
            return
        self._closed = True
        while self._undo:
            _, undo = self._undo.pop()
            try:
                undo()
            except Exception:  # noqa: BLE001 - best effort: the device may be gone
                pass


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""
