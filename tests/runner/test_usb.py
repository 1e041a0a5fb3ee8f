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


def test_missing_ca_is_refused_before_touching_settings(ca_pem):
    adb = FakeAdb(answers(None))
    dev = backend(adb)
    with pytest.raises(DeviceError, match="does not trust the mitmproxy CA"):
        dev.route_traffic("127.0.0.1", 8081, ca_pem)
    assert not any(c.startswith("settings put") for c in adb.commands)
    assert adb.reverses == {}


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
