"""The USB backend against fakes at the adb / frida-device boundary (no phone here)."""

from __future__ import annotations

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

    def shell(self, cmd: str) -> str:
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
