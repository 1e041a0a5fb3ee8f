"""Compile the lab device's Java sources with javac, once per source version.

The classes land in ``user_cache_dir("consentry")/labdevice/<hash>`` where the hash covers
every source file, the device profile and the javac version, so an unchanged tree is never
recompiled and a changed one never runs stale classes. No build tool is downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import platformdirs

JAVA_RELEASE = "11"
PROFILE_FILE = "device_profile.json"
PROFILE_RESOURCE = Path("labdevice") / "device_profile.properties"
MAIN_CLASS = "labdevice.LabMain"
COMPILE_TIMEOUT_S = 300
# String concatenation as StringBuilder calls, not invokedynamic: an indy call site spins
# hidden classes on first use, and class definition after a Frida hook was seen to hang the JVM.
JAVAC_FLAGS = ("-XDstringConcat=inline",)


class LabBuildError(RuntimeError):
    """The JDK is missing or the sources do not compile (message: one line + javac's output)."""


def source_root() -> Path:
    """The labdevice/ directory: the installed package, else the repository's copy."""
    from analyzer.resources import shipped_dir

    found = shipped_dir("consentry_labdevice", "java")
    if found is not None:
        return found
    raise LabBuildError("lab device sources not found (neither package consentry_labdevice nor ./labdevice)")


def java_sources(root: Path | None = None) -> list[Path]:
    root = root or source_root()
    return sorted((root / "java").rglob("*.java"))


def plugin_sources(root: Path | None = None) -> dict[str, list[Path]]:
    """Plugin name -> its sources: code an app loads at run time through its own class loader.

    Each ``labdevice/plugins/<name>/`` is compiled against the app classes into
    ``<classes>/plugins/<name>/``, off the class path, so no class loader sees it at start-up.
    """
    root = root or source_root()
    plugins = root / "plugins"
    if not plugins.is_dir():
        return {}
    return {d.name: sorted(d.rglob("*.java")) for d in sorted(plugins.iterdir()) if d.is_dir()}


def cache_root() -> Path:
    override = os.environ.get("CONSENTRY_LAB_CACHE")
    return Path(override) if override else Path(platformdirs.user_cache_dir("consentry")) / "labdevice"


def tool(name: str) -> str:
    """A JDK tool (java, javac, keytool), preferring $JAVA_HOME/bin."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / name).exists():
        return str(Path(java_home) / "bin" / name)
    found = shutil.which(name)
    if not found:
        raise LabBuildError(f"{name} not found: install a JDK (11 or newer) or set JAVA_HOME")
    return found


@functools.lru_cache(maxsize=8)
def _javac_version(javac: str) -> str:
    try:
        out = subprocess.run([javac, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabBuildError(f"cannot run {javac}: {exc}") from None
    return (out.stdout + out.stderr).strip()


def source_hash(root: Path, javac_version: str) -> str:
    digest = hashlib.sha256(javac_version.encode())
    digest.update(JAVA_RELEASE.encode() + " ".join(JAVAC_FLAGS).encode())
    plugin_files = [p for files in plugin_sources(root).values() for p in files]
    for path in java_sources(root) + plugin_files + [root / PROFILE_FILE]:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def profile_properties(profile: dict) -> str:
    """The JSON profile flattened into the .properties the Java side reads (ASCII, \\u escapes)."""
    entries: dict[str, str] = {}
    for kind, value in profile["identifiers"].items():
        entries[f"id.{kind}"] = value
    for field, value in profile["build"].items():
        entries[f"build.{field}"] = value
    entries["operator.mcc_mnc"] = profile["network_operator"]["mcc_mnc"]
    entries["operator.name"] = profile["network_operator"]["name"]
    entries["installed_apps"] = ",".join(profile["installed_apps"])
    entries["contacts.count"] = str(len(profile["contacts"]))
    for i, contact in enumerate(profile["contacts"]):
        entries[f"contacts.{i}.name"] = contact["name"]
        entries[f"contacts.{i}.number"] = contact["number"]
    return "".join(f"{_escape(k)}={_escape(v)}\n" for k, v in entries.items())


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\=:#!":
            out.append("\\" + ch)
        elif ch == " " and not out:
            out.append("\\ ")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else "".join(f"\\u{ord(c):04x}" for c in ch.encode("utf-16-be").decode("utf-16-be")))
        else:
            out.append(ch)
    return "".join(out)


def ensure_built(*, force: bool = False) -> Path:
    """The classpath directory of the compiled lab device; compiles only when sources changed."""
    root = source_root()
    javac = tool("javac")
    target = cache_root() / source_hash(root, _javac_version(javac))
    if (target / PROFILE_RESOURCE).is_file() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        _compile(javac, root, staging)
        if force and target.exists():
            shutil.rmtree(target)
        try:
            os.rename(staging, target)  # atomic: a concurrent build of the same hash may win
        except OSError:
            if not (target / PROFILE_RESOURCE).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _compile(javac: str, root: Path, out_dir: Path) -> None:
    argfile = out_dir / "sources.txt"
    argfile.write_text("\n".join(f'"{p.as_posix()}"' for p in java_sources(root)), encoding="utf-8")
    cmd = [javac, "--release", JAVA_RELEASE, "-encoding", "UTF-8", "-nowarn", *JAVAC_FLAGS, "-d", str(out_dir), f"@{argfile}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise LabBuildError(f"javac took longer than {COMPILE_TIMEOUT_S}s") from None
    argfile.unlink()
    if proc.returncode != 0:
        raise LabBuildError("javac failed:\n" + (proc.stderr or proc.stdout)[-4000:])
    for name, sources in plugin_sources(root).items():
        _compile_plugin(javac, name, sources, out_dir)
    profile = json.loads((root / PROFILE_FILE).read_text(encoding="utf-8"))
    (out_dir / PROFILE_RESOURCE).write_text(profile_properties(profile), encoding="ascii")


def _compile_plugin(javac: str, name: str, sources: list[Path], app_classes: Path) -> None:
    if not sources:
        return
    out = app_classes / "plugins" / name
    cmd = [javac, "--release", JAVA_RELEASE, "-encoding", "UTF-8", "-nowarn", *JAVAC_FLAGS, "-cp", str(app_classes),
           "-d", str(out), *map(str, sources)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise LabBuildError(f"javac took longer than {COMPILE_TIMEOUT_S}s (plugin {name})") from None
    if proc.returncode != 0:
        raise LabBuildError(f"javac failed for plugin {name}:\n" + (proc.stderr or proc.stdout)[-4000:])
