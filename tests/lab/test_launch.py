import subprocess

import pytest

from analyzer.lab.launch import LabProcess, LabProcessError, lab_command


def test_lab_command_shape(lab_classes, tmp_path):
    store = tmp_path / "t.p12"
    cmd = lab_command("withdraw", proxy=("127.0.0.1", 8080), truststore=store, dialog_timeout_ms=500,
                      pins=["sha256/abc="], extra={"gate-timeout-ms": 9000, "unused": None})
    assert "-Dhttps.proxyHost=127.0.0.1" in cmd and "-Dhttps.proxyPort=8080" in cmd
    assert f"-Djavax.net.ssl.trustStore={store}" in cmd
    tail = cmd[cmd.index("labdevice.LabMain"):]
    assert tail[1] == "--apk" and tail[2].endswith(".apk") and "com.labshop.news" in tail[2]
    assert tail[tail.index("--idle-exit-ms") + 1] == "500"
    assert tail[tail.index("--control-port") + 1] == "0"
    assert tail[tail.index("--pin") + 1] == "sha256/abc="
    assert tail[-2:] == ["--gate-timeout-ms", "9000"] and "--unused" not in tail
    assert not any(a.startswith("-Dhttps.proxyHost") for a in lab_command("withdraw", proxy=None, truststore=None))


def test_gate_closed_ends_the_app(lab_classes):
    with LabProcess(lab_command("compliant", proxy=None, truststore=None)) as app:
        app.wait_for_line("LAB:WAITING")
        app._proc.stdin.close()
        assert app.wait(30) == 3
        assert "LAB:GATE_CLOSED" in app.lines()
        assert not any(line.startswith("LAB:STARTED") for line in app.lines())


def test_gate_timeout(lab_classes):
    with LabProcess(lab_command("compliant", proxy=None, truststore=None, extra={"gate-timeout-ms": 300})) as app:
        assert app.wait(30) == 3
        assert "LAB:GATE_TIMEOUT" in app.lines()


@pytest.mark.parametrize("args,message", [
    (["--apk", "/nonexistent.apk"], "cannot read /nonexistent.apk"),
    (["--apk", "APK", "--idle-exit-ms", "-1"], "non-negative"),
    (["--bogus"], "unknown option --bogus"),
    ([], "--apk is required"),
])
def test_bad_arguments_are_one_line_errors(lab_classes, args, message):
    cmd = lab_command("compliant", proxy=None, truststore=None)
    apk = cmd[cmd.index("--apk") + 1]
    cmd = cmd[: cmd.index("--apk")] + [apk if a == "APK" else a for a in args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and message in out.stderr
    assert "Exception" not in out.stderr


def test_wait_for_line_reports_an_early_exit(lab_classes):
    cmd = lab_command("compliant", proxy=None, truststore=None)
    cmd[cmd.index("--apk") + 1] = "/nonexistent.apk"
    with LabProcess(cmd) as app:
        with pytest.raises(LabProcessError, match="ended"):
            app.wait_for_line("LAB:WAITING", timeout=30)


def test_no_gate_runs_offline_to_done(lab_classes):
    with LabProcess(lab_command("api_tour", proxy=None, truststore=None, dialog_timeout_ms=50, gate=False)) as app:
        app.wait_for_line("LAB:DONE", timeout=60)
        assert app.wait(30) == 0
        assert app.counts()["android.telephony.TelephonyManager.getImei"] == 2
