"""`consentry lab build` (in-process) and `consentry run --device lab --apk` (the real CLI, end to end)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from analyzer.cli import main

APPS = Path(__file__).resolve().parents[1] / "lab" / "apps"


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def test_lab_build_writes_an_installable_app(capsys, tmp_path, lab_classes):
    out_apk = tmp_path / "out" / "fidelity.apk"
    code, out, err = run_main(capsys, "lab", "build", str(APPS / "fidelity"), "--output", str(out_apk))
    assert code == 0, err
    assert "com.labshop.fidelity 3.1.4" in out
    with zipfile.ZipFile(out_apk) as z:
        names = set(z.namelist())
    assert "AndroidManifest.xml" in names and "com/labshop/fidelity/MainActivity.class" in names


@pytest.mark.parametrize("setup, message", [
    ("missing", "is not a directory"),
    ("no_manifest", "no AndroidManifest.xml"),
    ("bad_manifest", "is not valid XML"),
    ("no_launcher", "no launcher activity"),
    ("bad_java", "javac failed"),
])
def test_lab_build_errors_are_one_line(capsys, tmp_path, lab_classes, setup, message):
    app = tmp_path / "app"
    if setup != "missing":
        shutil.copytree(APPS / "fidelity", app)
    if setup == "no_manifest":
        (app / "AndroidManifest.xml").unlink()
    elif setup == "bad_manifest":
        (app / "AndroidManifest.xml").write_text("<manifest package='x.y'", encoding="utf-8")
    elif setup == "no_launcher":
        (app / "AndroidManifest.xml").write_text("<manifest package='x.y'><application/></manifest>", encoding="utf-8")
    elif setup == "bad_java":
        (app / "java" / "com" / "labshop" / "fidelity" / "Broken.java").write_text("package com.labshop.fidelity; class Broken { int x = ; }")
    code, _, err = run_main(capsys, "lab", "build", str(app), "--output", str(tmp_path / "x.apk"))
    assert code == 2
    error_lines = [line for line in err.splitlines() if line.startswith("consentry: error:")]
    assert len(error_lines) == 1 and message in error_lines[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "x.apk").exists()


def test_run_needs_exactly_one_of_app_and_apk(capsys, tmp_path):
    code, _, err = run_main(capsys, "run", "--device", "lab")
    assert code == 2 and "exactly one of --app" in err
    code, _, err = run_main(capsys, "run", "--device", "lab", "--apk", str(tmp_path / "none.apk"))
    assert code == 2 and "no such app file" in err
    garbage = tmp_path / "garbage.apk"
    garbage.write_bytes(b"not a zip")
    code, _, err = run_main(capsys, "--db", f"sqlite:///{tmp_path / 'x.db'}", "run", "--device", "lab", "--apk", str(garbage))
    assert code == 2 and "is not a lab app" in err and "Traceback" not in err


@pytest.mark.slow
def test_run_installs_and_runs_a_built_app(console_script, tmp_path, lab_classes):
    cli = console_script  # packaging end to end: `lab build` output installed and run by the real console script
    apk = tmp_path / "custom_dialog.apk"
    repo = Path(__file__).resolve().parents[2]
    lib = repo / "labdevice" / "apps" / "_lib"
    app_dir = tmp_path / "custom_dialog"
    shutil.copytree(repo / "labdevice" / "apps" / "custom_dialog", app_dir)
    shutil.copytree(lib / "java", app_dir / "java", dirs_exist_ok=True)  # a self-contained app dir
    assert cli("lab", "build", str(app_dir), "--output", str(apk)).returncode == 0
    r = cli("run", "--device", "lab", "--apk", str(apk), "--consent", "none", "--session", "apk1",
            "--dialog-timeout", "1.5", "-q", timeout=200, env={"CONSENTRY_LAB_DEVICE": str(tmp_path / "device")})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "session apk1: finished" in r.stdout
    shown = cli("sessions", "show", "apk1")
    assert "com.labshop.video" in shown.stdout
    assert (tmp_path / "device" / "data" / "app" / "com.labshop.video" / "base.apk").is_file()
