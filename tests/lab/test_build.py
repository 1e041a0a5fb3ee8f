import shutil
import subprocess
import time

import pytest

from analyzer.lab import build
from analyzer.lab.build import ensure_built, source_hash, source_root
from analyzer.lab.scenarios import device_profile, device_profile_full, load_scenarios


def test_build_is_cached(lab_classes, monkeypatch):
    main_class = lab_classes / "labdevice" / "LabMain.class"
    assert main_class.is_file()
    before = main_class.stat().st_mtime_ns
    calls = []
    real_compile = build._compile
    monkeypatch.setattr(build, "_compile", lambda *a: calls.append(a) or real_compile(*a))
    started = time.monotonic()
    assert ensure_built() == lab_classes
    assert calls == [], "an unchanged source tree must not be recompiled"
    assert time.monotonic() - started < 2
    assert main_class.stat().st_mtime_ns == before


def test_hash_changes_with_sources(tmp_path):
    copy = tmp_path / "labdevice"
    shutil.copytree(source_root(), copy)
    first = source_hash(copy, "javac 17")
    assert source_hash(copy, "javac 17") == first
    assert source_hash(copy, "javac 21") != first
    target = copy / "java" / "android" / "os" / "Looper.java"
    target.write_text(target.read_text() + "\n// changed\n")
    assert source_hash(copy, "javac 17") != first


def test_broken_source_is_a_one_line_error(tmp_path, monkeypatch):
    copy = tmp_path / "labdevice"
    shutil.copytree(source_root(), copy)
    (copy / "java" / "labdevice" / "Broken.java").write_text("package labdevice; class Broken { int x = ; }")
    monkeypatch.setattr(build, "source_root", lambda: copy)
    monkeypatch.setenv("CONSENTRY_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(build.LabBuildError, match="javac failed"):
        ensure_built()
    assert not any((tmp_path / "cache").glob("*/labdevice")), "a failed build must not leave a usable cache entry"


def test_java_reads_the_same_profile(lab_classes):
    out = subprocess.run([build.tool("java"), "-Dfile.encoding=UTF-8", "-cp", str(lab_classes), build.MAIN_CLASS,
                          "--print-profile"], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert out.returncode == 0, out.stderr
    seen = dict(line.removeprefix("LAB:PROFILE ").split(" ", 1) for line in out.stdout.splitlines())
    for kind, value in device_profile_full()["identifiers"].items():
        assert seen[f"id.{kind}"] == value
    assert seen["installed_apps"] == device_profile()["installed_apps"]
    assert seen["contacts.0.number"] == device_profile()["contacts"]


def test_profile_values_are_realistic():
    profile = device_profile()
    digits = [int(c) for c in profile["imei"]]
    checksum = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    assert len(digits) == 15 and checksum % 10 == 0, "IMEI must be Luhn-valid"
    assert len(profile["android_id"]) == 16 and int(profile["android_id"], 16) >= 0
    assert profile["imsi"].startswith("460") and len(profile["iccid"]) == 20
    lat, lon = (float(x) for x in profile["location"].split(","))
    assert (lat, lon) == (39.9087243, 116.3974965)
    from analyzer.models import PII_KINDS
    assert set(profile) <= set(PII_KINDS)


def test_every_scenario_is_an_android_style_app():
    from analyzer.lab.apps import builtin_app_dir, parse_manifest

    for name, scenario in load_scenarios().items():
        app_dir = builtin_app_dir(scenario.app_dir)
        manifest = parse_manifest((app_dir / "AndroidManifest.xml").read_bytes())
        assert manifest.package == scenario.app.package and manifest.launcher_activity
        assert (app_dir / "java" / manifest.package.replace(".", "/")).is_dir()
        assert "none" in scenario.expect, "tests drive every scenario with consent choice none"


def test_lab_apps_use_only_the_android_api():
    """No lab app (nor the library the built-in apps share) reaches into the lab device's internals."""
    from analyzer.lab.apps import apps_root

    import re

    internal = re.compile(r"\blabdevice\.[A-Z]")  # a class of the lab runtime (labdevice.Lab, labdevice.Http, ...)
    offenders = [p for p in apps_root().rglob("*.java") if internal.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
