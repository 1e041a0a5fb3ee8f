"""The USB backend against fakes at the adb / frida-device boundary (no phone here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.devices.base import LaunchOptions
from analyzer.devices.usb import DeviceError, UsbBackend, subject_hash_old

# A real mitmproxy-style CA, generated once per test run.
@pytest.fixture(scope="module")
def ca_pem(tmp_path_factory):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mitmproxy"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mitmproxy")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    path = tmp_path_factory.mktemp("ca") / "mitmproxy-ca-cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


class FakeAdb:
    """adbutils.AdbDevice's surface the backend uses: shell(), reverse(), reverse_remove()."""

    def __init__(self, answers: dict[str, str], serial: str = "R58M1234"):
        self.serial = serial
        self.answers = answers
        self.commands: list[str] = []
        self.reverses: dict[str, str] = {}
        self.settings: dict[str, str] = {"http_proxy": answers.get("settings get global http_proxy", "null")}

    def shell(self, cmd: str, encoding: str | None = "utf-8", rstrip: bool = True):
        self.commands.append(cmd)
        if cmd.startswith("settings put global http_proxy "):
            self.settings["http_proxy"] = cmd.split(" ", 4)[4]
            return ""
        if cmd == "settings delete global http_proxy":
            self.settings.pop("http_proxy", None)
            return ""
        for prefix, answer in self.answers.items():
            if cmd.startswith(prefix):
                return answer
        return ""

    def reverse(self, remote: str, local: str) -> None:
        self.reverses[remote] = local

    def reverse_remove(self, remote: str) -> None:
        self.reverses.pop(remote)


class FakeFridaSession:
    def __init__(self):
        self.handlers = {}

    def on(self, signal, handler):
        self.handlers[signal] = handler


class FakeFridaDevice:
    def __init__(self):
        self.log: list[tuple] = []

    def spawn(self, argv):
        self.log.append(("spawn", tuple(argv)))
        return 4242

    def attach(self, pid):
        self.log.append(("attach", pid))
        return FakeFridaSession()

    def resume(self, pid):
        self.log.append(("resume", pid))

    def kill(self, pid):
        self.log.append(("kill", pid))


def answers(ca_name: str | None = None, server_version: str = "17.2.1") -> dict[str, str]:
    a = {
        "pidof frida-server": "1234",
        "su -c 'readlink /proc/1234/exe'": "/data/local/tmp/frida-server",
        "su -c '/data/local/tmp/frida-server --version'": server_version,
        "dumpsys package com.example.app": "Packages:\n  Package [com.example.app]\n    versionCode=42 minSdk=21\n    versionName=4.2.0\n",
        "dumpsys package com.missing": "Unable to find package: com.missing",
        "getprop ro.product.model": "Pixel 7",
        "getprop ro.build.version.release": "14",
        "settings get global http_proxy": "null",
    }
    if ca_name:
        a["su -c 'ls "] = f"/system/etc/security/cacerts/{ca_name}"
    return a


def backend(adb, frida_device=None, host_version="17.2.1"):
    return UsbBackend("R58M1234", adb=adb, frida_device=frida_device or FakeFridaDevice(), frida_version=host_version)


def test_subject_hash_old_matches_openssl(ca_pem):
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl binary to compare with")
    expected = subprocess.run([openssl, "x509", "-subject_hash_old", "-noout", "-in", str(ca_pem)],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert subject_hash_old(ca_pem.read_bytes()) == expected


def test_route_traffic_sets_proxy_and_close_restores(ca_pem):
    name = subject_hash_old(ca_pem.read_bytes()) + ".0"
    adb = FakeAdb(answers(name))
    dev = backend(adb)
    dev.route_traffic("127.0.0.1", 8081, ca_pem)
    assert adb.settings["http_proxy"] == "127.0.0.1:8081"
    assert adb.reverses == {"tcp:8081": "tcp:8081"}
    dev.close()
    assert adb.reverses == {}
    assert "http_proxy" not in adb.settings  # there was none before: cleared
    assert "settings put global http_proxy :0" in adb.commands  # applied at once, not after reboot
    dev.close()  # idempotent


def test_close_restores_a_previous_proxy(ca_pem):
    name = subject_hash_old(ca_pem.read_bytes()) + ".0"
    a = answers(name)
    a["settings get global http_proxy"] = "10.0.0.2:3128"
    adb = FakeAdb(a)
    dev = backend(adb)
    dev.route_traffic("127.0.0.1", 8081, ca_pem)
    dev.close()
    assert adb.settings["http_proxy"] == "10.0.0.2:3128"


class AndroidShell(FakeAdb):
    """adb shell on a rooted phone with per-process mount namespaces, for the commands the CA
    check runs (toybox ls/cp/rm/mkdir, su -c, nsenter), answering as the device does: toybox
    error lines, silence on success. ``namespaces[pid]`` maps a directory to its file names;
    a pid not listed sees the global one."""

    SYSTEM = "/system/etc/security/cacerts"
    APEX = "/apex/com.android.conscrypt/cacerts"

    def __init__(self, answers: dict[str, str], sdk: int, *, has_nsenter: bool = True):
        super().__init__({**answers, "getprop ro.build.version.sdk": str(sdk)})
        self.global_ns = {self.SYSTEM: {"a1b2c3d4.0"}, self.APEX: {"a1b2c3d4.0", "e5f6a7b8.0"}}
        self.namespaces: dict[int, dict[str, set[str]]] = {}
        self.files: dict[str, set[str]] = {}  # plain directories under /data/local/tmp
        self.has_nsenter = has_nsenter
        self.sync = self

    def ns(self, pid: int) -> dict[str, set[str]]:
        return self.namespaces.setdefault(pid, {d: set(f) for d, f in self.global_ns.items()})

    def push(self, data: bytes, path: str) -> None:  # adbutils' device.sync.push(src, dst)
        directory, _, name = path.rpartition("/")
        self.files.setdefault(directory, set()).add(name)

    def shell(self, cmd: str) -> str:
        import re
        import shlex

        if not cmd.startswith("su -c "):
            return super().shell(cmd)
        inner = shlex.split(cmd)[2]
        if not re.match(r"(ls /proc/|rm -rf |nsenter )", inner):
            return super().shell(cmd)  # frida-server checks: canned answers
        self.commands.append(cmd)
        if m := re.fullmatch(r"ls /proc/(\d+)/root(/\S+)/([^/\s]+)", inner):
            pid, directory, name = int(m[1]), m[2], m[3]
            path = f"/proc/{pid}/root{directory}/{name}"
            return path if name in self.ns(pid).get(directory, set()) else f"ls: {path}: No such file or directory"
        if m := re.fullmatch(r"rm -rf (\S+) && mkdir -p (\S+) && cp /proc/(\d+)/root(/\S+)/\* (\S+)/", inner):
            self.files[m[2]] = set(self.ns(int(m[3])).get(m[4], set()))
            return ""
        if m := re.fullmatch(r"rm -rf (\S+)", inner):
            self.files.pop(m[1], None)
            return ""
        if m := re.fullmatch(r"nsenter --mount=/proc/(\d+)/ns/mnt -- /system/bin/sh -c (.+)", inner):
            if not self.has_nsenter:
                return "/system/bin/sh: nsenter: inaccessible or not found"
            script = shlex.split(m[2])[0]
            mounted = re.match(r"mount -t tmpfs tmpfs (\S+) && cp (\S+)/\* ", script)
            self.ns(int(m[1]))[mounted[1]] = set(self.files[mounted[2]])
            return ""
        return f"/system/bin/sh: {inner.split()[0]}: inaccessible or not found"


def _spawned_with_ca(adb, ca_pem, *, inject=False):
    frida_dev = FakeFridaDevice()
    dev = UsbBackend("R58M1234", adb=adb, frida_device=frida_dev, frida_version="17.2.1", inject_ca=inject)
    dev.route_traffic("127.0.0.1", 8081, ca_pem)
    return dev, frida_dev


def test_android_14_app_reads_the_apex_store_a_ca_only_in_system_is_refused(ca_pem):
    name = subject_hash_old(ca_pem.read_bytes()) + ".0"
    adb = AndroidShell(answers(), sdk=34)
    adb.global_ns[AndroidShell.SYSTEM].add(name)  # installed the pre-14 way: not what the app reads
    dev, frida_dev = _spawned_with_ca(adb, ca_pem)
    with pytest.raises(DeviceError, match="conscrypt APEX store") as err:
        dev.spawn(dev.resolve_app("com.example.app"), LaunchOptions())
    assert "--inject-ca" in str(err.value)
    assert ("kill", 4242) in frida_dev.log and ("attach", 4242) not in frida_dev.log
    assert f"su -c 'ls /proc/4242/root/apex/com.android.conscrypt/cacerts/{name}'" in adb.commands
    dev.close()


def test_the_check_reads_the_apps_namespace_not_adb_shells(ca_pem):
    name = subject_hash_old(ca_pem.read_bytes()) + ".0"
    adb = AndroidShell(answers(), sdk=34)
    adb.ns(4242)[AndroidShell.APEX].add(name)  # only the app's namespace has it
    dev, frida_dev = _spawned_with_ca(adb, ca_pem)
    app = dev.spawn(dev.resolve_app("com.example.app"), LaunchOptions())
    assert app.pid == 4242 and ("attach", 4242) in frida_dev.log
    old = AndroidShell(answers(), sdk=33)
    old.ns(4242)[AndroidShell.SYSTEM].add(name)
    dev13, _ = _spawned_with_ca(old, ca_pem)
    assert dev13.check_ca(ca_pem, 4242) == name
    assert any("/proc/4242/root/system/etc/security/cacerts/" in c for c in old.commands)


def test_inject_ca_mounts_the_store_into_the_apps_namespace_only(ca_pem):
    name = subject_hash_old(ca_pem.read_bytes()) + ".0"
    adb = AndroidShell(answers(), sdk=34)
    dev, frida_dev = _spawned_with_ca(adb, ca_pem, inject=True)
    dev.spawn(dev.resolve_app("com.example.app"), LaunchOptions())
    app_store = adb.ns(4242)[AndroidShell.APEX]
    assert name in app_store and {"a1b2c3d4.0", "e5f6a7b8.0"} <= app_store  # the device's CAs stay trusted
    assert name not in adb.global_ns[AndroidShell.APEX] and name not in adb.ns(999)[AndroidShell.APEX]
    assert ("attach", 4242) in frida_dev.log
    dev.close()
    assert "/data/local/tmp/consentry-cacerts" not in adb.files  # staging removed


def test_inject_ca_failure_is_one_line_with_the_devices_error(ca_pem):
    adb = AndroidShell(answers(), sdk=34, has_nsenter=False)
    dev, frida_dev = _spawned_with_ca(adb, ca_pem, inject=True)
    with pytest.raises(DeviceError) as err:
        dev.spawn(dev.resolve_app("com.example.app"), LaunchOptions())
    assert str(err.value) == "cannot mount the CA store into pid 4242's namespace: /system/bin/sh: nsenter: inaccessible or not found"
    assert ("kill", 4242) in frida_dev.log


def test_frida_server_checks(ca_pem):
    a = answers()
    a["pidof frida-server"] = ""
    with pytest.raises(DeviceError, match="frida-server is not running"):
        backend(FakeAdb(a)).check_frida()
    with pytest.raises(DeviceError, match="does not match"):
        backend(FakeAdb(answers(server_version="16.5.9"))).check_frida()
    assert backend(FakeAdb(answers())).check_frida() == "17.2.1"


def test_resolve_app_reads_version_name():
    dev = backend(FakeAdb(answers()))
    target = dev.resolve_app("com.example.app")
    assert (target.package, target.version) == ("com.example.app", "4.2.0")
    with pytest.raises(DeviceError, match="not installed"):
        dev.resolve_app("com.missing")
    with pytest.raises(DeviceError, match="package name"):
        dev.resolve_app("not a package; rm -rf /")


def test_spawn_is_gated_until_release():
    frida_dev = FakeFridaDevice()
    dev = backend(FakeAdb(answers()), frida_dev)
    app = dev.spawn(dev.resolve_app("com.example.app"), LaunchOptions())
    assert frida_dev.log == [("spawn", ("com.example.app",)), ("attach", 4242)]
    assert app.pid == 4242 and app.exit_code() is None
    app.release()
    assert frida_dev.log[-1] == ("resume", 4242)
    app.frida_session.handlers["detached"]("process-terminated", None)
    assert app.exit_code() == 0
    app.stop()
    assert ("kill", 4242) not in frida_dev.log  # already gone: nothing to kill


def test_describe_names_the_device():
    info = backend(FakeAdb(answers())).describe()
    assert info["kind"] == "usb" and info["serial"] == "R58M1234"
    assert info["name"] == "Pixel 7" and info["android_release"] == "14"
    assert info["frida_version"] == "17.2.1" and info["frida_server_version"] == "17.2.1"


class GatingFridaDevice(FakeFridaDevice):
    """frida.core.Device's spawn-gating surface: on/off, enable/disable_spawn_gating."""

    def __init__(self):
        super().__init__()
        self.handlers: dict[str, object] = {}

    def on(self, signal, handler):
        self.handlers[signal] = handler

    def off(self, signal, handler):
        self.handlers.pop(signal, None)

    def enable_spawn_gating(self):
        self.log.append(("enable_spawn_gating",))

    def disable_spawn_gating(self):
        self.log.append(("disable_spawn_gating",))


class GatingSession(FakeFridaSession):
    def enable_child_gating(self):
        self.child_gating = True


class Spawn:
    """frida._frida.Spawn: pid and identifier (on Android, the process name)."""

    def __init__(self, pid, identifier):
        self.pid, self.identifier = pid, identifier


def test_other_processes_of_the_app_are_held_and_handed_over_others_resumed():
    import threading

    from analyzer.devices.usb import UsbApp, process_suffix

    frida_dev = GatingFridaDevice()
    session = GatingSession()
    app = UsbApp(frida_dev, 4242, session, "com.example.app")
    handed: list = []
    arrived = threading.Event()

    def on_process(process):
        handed.append(process)
        arrived.set()

    assert app.watch_processes(on_process)
    assert ("enable_spawn_gating",) in frida_dev.log and session.child_gating
    frida_dev.handlers["spawn-added"](Spawn(5001, "com.other.app"))
    assert frida_dev.log[-1] == ("resume", 5001)  # another app is never held
    frida_dev.handlers["spawn-added"](Spawn(5002, "com.example.app:push"))
    assert arrived.wait(5)
    assert (handed[0].pid, handed[0].name) == (5002, ":push")
    assert ("resume", 5002) not in frida_dev.log  # held until the hooks are in
    handed[0].resume()
    assert frida_dev.log[-1] == ("resume", 5002)
    app.stop()
    assert ("disable_spawn_gating",) in frida_dev.log and "spawn-added" not in frida_dev.handlers
    assert process_suffix("com.example.app", "com.example.app.remote") == "com.example.app.remote"
    assert process_suffix("com.example.app", "com.example.apple") is None


# -- per-run app state and the UI from outside the app -------------------------------------------------
DUMP_PATH = "/data/local/tmp/consentry-window.xml"
APK_PATH = "/data/local/tmp/consentry-install.apk"


class FakePhoneAdb(FakeAdb):
    """A phone's pm / am / uiautomator / input / screencap / date, answering as they do (texts as printed)."""

    def __init__(self, answers: dict[str, str], *, screen_xml: str = "", screen_png: bytes = b"",
                 dump_error: str | None = None, clear_answer: str = "Success", install_answer: str = "Success",
                 permissions: dict[str, bool] | None = None, requested: tuple[str, ...] = ()):
        super().__init__(answers)
        self.files: dict[str, bytes] = {}
        self.pushed: list[tuple[str, str]] = []
        self.screen_xml, self.screen_png, self.dump_error = screen_xml, screen_png, dump_error
        self.clear_answer, self.install_answer = clear_answer, install_answer
        self.permissions = dict(permissions or {})  # runtime permission -> granted
        self.requested = set(requested) | set(self.permissions)
        self.taps: list[tuple[int, int]] = []
        self.stopped: list[str] = []
        self.cleared: list[str] = []

    def push(self, local: str, remote: str) -> None:
        self.pushed.append((local, remote))
        self.files[remote] = Path(local).read_bytes()

    def shell(self, cmd: str, encoding: str | None = "utf-8", rstrip: bool = True):
        out = self._run(cmd)
        if out is None:
            return super().shell(cmd, encoding, rstrip)
        self.commands.append(cmd)
        if encoding is None:
            return out if isinstance(out, bytes) else out.encode()
        return out.rstrip("\n") if rstrip else out

    def _run(self, cmd: str):
        if cmd == f"rm -f {DUMP_PATH}; uiautomator dump {DUMP_PATH}":
            self.files.pop(DUMP_PATH, None)
            if self.dump_error:
                return self.dump_error + "\n"
            self.files[DUMP_PATH] = self.screen_xml.encode()
            return f"UI hierchary dumped to: {DUMP_PATH}\n"
        if cmd == f"cat {DUMP_PATH}":
            if DUMP_PATH not in self.files:
                return f"cat: {DUMP_PATH}: No such file or directory\n"
            return self.files[DUMP_PATH].decode()
        if m := re.fullmatch(r"input tap (-?\d+) (-?\d+)", cmd):
            self.taps.append((int(m.group(1)), int(m.group(2))))
            return ""
        if cmd == "screencap -p":
            return self.screen_png
        if cmd == "date +%s.%N":
            return "1780000000.123456789\n"
        if m := re.fullmatch(r"pm clear (\S+)", cmd):
            self.cleared.append(m.group(1))
            return self.clear_answer + "\n"
        if m := re.fullmatch(r"am force-stop (\S+)", cmd):
            self.stopped.append(m.group(1))
            return ""
        if m := re.fullmatch(rf"pm install (-r(?: -g)?) {APK_PATH}; rm -f {APK_PATH}", cmd):
            self.files.pop(APK_PATH, None)
            if m.group(1) == "-r -g" and self.install_answer == "Success":
                self.permissions = {p: True for p in self.requested}
            return self.install_answer + "\n"
        if m := re.fullmatch(r"pm (grant|revoke) (\S+) (\S+)", cmd):
            verb, pkg, perm = m.groups()
            if perm not in self.requested:
                return (f"Exception occurred while executing '{verb}':\n"
                        f"java.lang.SecurityException: Package {pkg} has not requested permission {perm}\n"
                        "\tat com.android.server.pm.permission.PermissionManagerServiceImpl.grantRuntimePermissionInternal"
                        "(PermissionManagerServiceImpl.java:1418)\n")
            self.permissions[perm] = verb == "grant"
            return ""
        if cmd == "dumpsys package com.example.app":
            perms = "".join(f"        {p}: granted={str(g).lower()}, flags=[ USER_SENSITIVE_WHEN_GRANTED|USER_SENSITIVE_WHEN_DENIED]\n"
                            for p, g in sorted(self.permissions.items()))
            return ("Packages:\n  Package [com.example.app] (6a1c9e2):\n    userId=10231\n    versionCode=42 minSdk=21 targetSdk=33\n"
                    "    versionName=4.2.0\n    requested permissions:\n" + "".join(f"      {p}\n" for p in sorted(self.requested))
                    + "    install permissions:\n      android.permission.INTERNET: granted=true\n"
                    "    User 0: ceDataInode=180226 installed=true hidden=false suspended=false stopped=true\n"
                    "      gids=[3003]\n      runtime permissions:\n" + perms + "      enabledComponents:\n")
        return None


PHONE_PERMS = ("android.permission.READ_PHONE_STATE", "android.permission.ACCESS_FINE_LOCATION")


def test_dump_ui_reads_the_file_uiautomator_wrote():
    from tests.runner.fake_ui import screen

    adb = FakePhoneAdb(answers(), screen_xml=screen("shop_dialog"))
    xml = backend(adb).dump_ui()
    assert xml == screen("shop_dialog")
    assert adb.commands[-2:] == [f"rm -f {DUMP_PATH}; uiautomator dump {DUMP_PATH}", f"cat {DUMP_PATH}"]


@pytest.mark.parametrize("error", [
    "ERROR: could not get idle state.",
    "ERROR: null root node returned by UiTestAutomationBridge.",
    "java.lang.IllegalStateException: UiAutomationService android.accessibilityservice.IAccessibilityServiceClient$Stub$Proxy@3b6a9c1already registered!\nKilled",
])
def test_dump_ui_errors_are_one_line_and_never_a_stale_screen(error):
    from tests.runner.fake_ui import screen

    adb = FakePhoneAdb(answers(), screen_xml=screen("shop_dialog"))
    dev = backend(adb)
    dev.dump_ui()
    adb.dump_error = error
    with pytest.raises(DeviceError) as info:
        dev.dump_ui()
    assert str(info.value) == "uiautomator dump failed: " + error.splitlines()[0]


def test_tap_screenshot_and_device_time():
    from tests.runner.fake_ui import png_of

    png = png_of("x")
    adb = FakePhoneAdb(answers(), screen_png=png)
    dev = backend(adb)
    dev.tap(768, 1551)
    assert adb.taps == [(768, 1551)]
    assert dev.screenshot() == png
    adb.screen_png = png.replace(b"\n", b"\r\n")  # what a pty makes of it on old adbd
    assert dev.screenshot() == png
    adb.screen_png = b"/system/bin/sh: screencap: inaccessible or not found\n"
    with pytest.raises(DeviceError, match="screencap failed: /system/bin/sh: screencap: inaccessible"):
        dev.screenshot()
    assert dev.device_time() == pytest.approx(1780000000123.456789)


def test_clear_app_data_and_force_stop():
    adb = FakePhoneAdb(answers())
    dev = backend(adb)
    dev.clear_app_data("com.example.app")
    dev.force_stop("com.example.app")
    assert adb.cleared == ["com.example.app"] and adb.stopped == ["com.example.app"]
    adb.clear_answer = "Failed"
    with pytest.raises(DeviceError, match="could not clear the data of com.example.app: pm clear said Failed"):
        dev.clear_app_data("com.example.app")
    with pytest.raises(DeviceError, match="not a package name"):
        dev.clear_app_data("x; reboot")


def test_install_with_every_permission_policy(tmp_path):
    from analyzer.devices.base import PermissionPolicy
    from tests.runner.axml import write_apk

    apk = write_apk(tmp_path / "app.apk", "com.example.app", "4.2.0", list(PHONE_PERMS))
    adb = FakePhoneAdb(answers(), requested=PHONE_PERMS)
    dev = backend(adb)
    target = dev.install(apk, PermissionPolicy.parse("all"))
    assert (target.package, target.version) == ("com.example.app", "4.2.0")
    assert adb.pushed == [(str(apk), APK_PATH)] and APK_PATH not in adb.files
    assert adb.permissions == {p: True for p in PHONE_PERMS}
    dev.install(apk, PermissionPolicy.parse("none"))  # a reinstall keeps grants: they are revoked
    assert adb.permissions == {p: False for p in PHONE_PERMS}
    dev.install(apk, PermissionPolicy.parse("android.permission.READ_PHONE_STATE"))
    assert adb.permissions == {"android.permission.READ_PHONE_STATE": True, "android.permission.ACCESS_FINE_LOCATION": False}
    with pytest.raises(DeviceError, match="could not grant android.permission.CAMERA for com.example.app: "
                                          "java.lang.SecurityException: Package com.example.app has not requested"):
        dev.install(apk, PermissionPolicy.parse("android.permission.CAMERA"))


def test_install_failures_are_one_line(tmp_path):
    from analyzer.devices.base import PermissionPolicy
    from tests.runner.axml import write_apk

    apk = write_apk(tmp_path / "app.apk", "com.example.app")
    adb = FakePhoneAdb(answers(), install_answer="Failure [INSTALL_FAILED_VERSION_DOWNGRADE: Downgrade detected: "
                                                 "Update version code 1 is older than current 42]")
    with pytest.raises(DeviceError, match=r"could not install app.apk: Failure \[INSTALL_FAILED_VERSION_DOWNGRADE"):
        backend(adb).install(apk, PermissionPolicy())
    notzip = tmp_path / "x.apk"
    notzip.write_bytes(b"not a zip")
    pushed = len(adb.pushed)
    with pytest.raises(DeviceError, match="not an APK"):
        backend(adb).install(notzip, PermissionPolicy())
    assert len(adb.pushed) == pushed  # nothing sent to the phone


def test_apk_manifest_reader(tmp_path):
    from analyzer.devices.apk import read_apk
    from tests.runner.axml import write_apk

    info = read_apk(write_apk(tmp_path / "a.apk", "com.example.app", "4.2.0", list(PHONE_PERMS)))
    assert (info.package, info.version_name, info.permissions) == ("com.example.app", "4.2.0", list(PHONE_PERMS))


def test_consent_driver_over_adb():
    """The driver and the USB backend together: one function between the driver and the adb boundary."""
    from analyzer.runner.consent import ConsentDriver, parse_consent_plan
    from tests.runner.fake_ui import FakeClock, png_of, screen

    class Phone(FakePhoneAdb):
        def _run(self, cmd):
            if re.fullmatch(r"input tap \d+ \d+", cmd):
                x, y = map(int, cmd.split()[2:])
                if 540 <= x < 996 and 1467 <= y < 1635:
                    self.screen_xml = screen("shop_home")
            return super()._run(cmd)

    adb = Phone(answers(), screen_xml=screen("shop_dialog"), screen_png=png_of("shop"))
    events = []
    driver = ConsentDriver(parse_consent_plan("accept"), backend(adb), events.append, package="com.example.shop",
                           clock=FakeClock())
    driver.run()
    assert adb.taps == [(768, 1551)]
    assert [e.action for e in events] == ["shown", "granted"]
    assert events[1].ts == pytest.approx(1780000000123.456789)
