"""The installed product, not the checkout: a wheel built from the tree, installed
non-editable into a fresh virtual environment, runs a lab session; and the CLI never
drops a command module quietly."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import typer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory) -> Path:
    """A fresh venv holding only the consentry wheel; its dependencies are borrowed from
    this interpreter's site-packages by a plain path entry (no .pth there is executed, so
    the editable install of the checkout stays invisible)."""
    root = tmp_path_factory.mktemp("wheel")
    # From a clean copy: a build/ left in the checkout would put stale files into the wheel.
    source = root / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                                                 ".pytest_cache", ".hypothesis"))
    wheels = root / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("consentry-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    site.mkdir(parents=True, exist_ok=True)
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return venv


def test_wheel_ships_every_package_and_runs_a_lab_session(installed_venv, tmp_path):
    python = installed_venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import analyzer.runner.session as m; print(m.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed_venv), "imported from the checkout, not the wheel"
    consentry = installed_venv / "bin" / "consentry"
    proc = subprocess.run(
        [str(consentry), "--db", f"sqlite:///{tmp_path / 'store.db'}", "run", "--device", "lab", "--app", "compliant",
         "--consent", "accept", "--no-analyze", "--quiet", "--confdir", str(tmp_path / "mitm")],
        capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "finished (the app finished)" in proc.stdout
    assert re.search(r"recorded [1-9]\d* flows", proc.stdout)


def test_a_command_module_that_fails_to_import_is_an_error(monkeypatch):
    from analyzer import cli

    monkeypatch.setitem(sys.modules, "analyzer.cli.broken_area", None)  # import raises ModuleNotFoundError
    with pytest.raises(ModuleNotFoundError):
        cli.register_commands(typer.Typer(), ("sessions", "broken_area"))


def test_dockerfile_copies_every_shipped_package():
    dockerfile = (REPO / "docker" / "proxy.Dockerfile").read_text(encoding="utf-8")
    copied = {m.group(1).strip("./") for m in re.finditer(r"^COPY\s+(\S+)\s+\S+$", dockerfile, re.M)}
    setup = (REPO / "setup.py").read_text(encoding="utf-8")
    shipped = set(re.findall(r'"consentry_\w+": "(\w+)"', setup)) | {"analyzer"}
    assert shipped <= copied
    assert "pip install --no-cache-dir ." in dockerfile and "-e" not in dockerfile.split("pip install", 1)[1].split("\n")[0]


def test_no_test_skips_because_our_own_module_is_missing():
    offenders = []
    for path in (REPO / "tests").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"importorskip\(\s*[\"'](analyzer|addons|consentry_)", line):
                offenders.append(f"{path.relative_to(REPO)}: {line.strip()}")
    assert offenders == []
