"""Lab apps: Android-style app directories built into installable packages.

A lab app is a directory with ``AndroidManifest.xml`` and Java sources under ``java/``
using only the Android API the lab device mirrors (docs/labdevice.md). Optional:
``assets/`` (packed under ``assets/`` in the package) and ``payload/`` (sources compiled
into ``assets/payload.jar``, the code a packer-style app loads through its own
DexClassLoader). The artefact is a jar holding the manifest, the classes and the assets;
the lab device installs it like an APK. Builds are cached by a hash of every input.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.lab.build import (COMPILE_TIMEOUT_S, JAVA_RELEASE, JAVAC_FLAGS, LabBuildError, _javac_version, cache_root,
                                ensure_built, source_root, tool)

MANIFEST = "AndroidManifest.xml"
ANDROID_NS = "{http://schemas.android.com/apk/res/android}"
PAYLOAD_ASSET = "payload.jar"
MAX_MANIFEST_BYTES = 256 * 1024
LIBRARY_DIR = "_lib"  # labdevice/apps/_lib: code the built-in apps bundle (like an AAR dependency)


@dataclass(frozen=True)
class AppManifest:
    package: str
    version_name: str = ""
    application: str | None = None
    launcher_activity: str | None = None
    permissions: tuple[str, ...] = ()
    processes: dict[str, str] = field(default_factory=dict)  # component class -> process name


def parse_manifest(data: bytes, where: str = MANIFEST) -> AppManifest:
    """The facts of an AndroidManifest.xml; LabBuildError (one line) when it is unusable."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise LabBuildError(f"{where} is larger than {MAX_MANIFEST_BYTES} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise LabBuildError(f"{where}: DOCTYPE/ENTITY declarations are not allowed")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LabBuildError(f"{where} is not valid XML: {exc}") from None
    if root.tag != "manifest" or not root.get("package"):
        raise LabBuildError(f"{where}: the root must be <manifest package=\"...\">")
    package = root.get("package", "")

    def full(name: str) -> str:
        return package + name if name.startswith(".") else (name if "." in name else f"{package}.{name}")

    app = root.find("application")
    launcher = None
    processes: dict[str, str] = {}
    if app is not None:
        for activity in app.findall("activity"):
            for intent_filter in activity.findall("intent-filter"):
                actions = {a.get(ANDROID_NS + "name") for a in intent_filter.findall("action")}
                categories = {c.get(ANDROID_NS + "name") for c in intent_filter.findall("category")}
                if "android.intent.action.MAIN" in actions and "android.intent.category.LAUNCHER" in categories and launcher is None:
                    launcher = full(activity.get(ANDROID_NS + "name", ""))
        for component in app:
            process = component.get(ANDROID_NS + "process")
            if process and component.get(ANDROID_NS + "name"):
                processes[full(component.get(ANDROID_NS + "name", ""))] = package + process if process.startswith(":") else process
    application = app.get(ANDROID_NS + "name") if app is not None else None
    return AppManifest(
        package=package, version_name=root.get(ANDROID_NS + "versionName", ""),
        application=full(application) if application else None, launcher_activity=launcher,
        permissions=tuple(p.get(ANDROID_NS + "name", "") for p in root.findall("uses-permission")), processes=processes,
    )


def read_apk_manifest(apk: Path) -> AppManifest:
    """The manifest inside a built lab app; LabBuildError when the file is not one."""
    try:
        with zipfile.ZipFile(apk) as z:
            try:
                info = z.getinfo(MANIFEST)
            except KeyError:
                raise LabBuildError(f"{apk} is not a lab app: no {MANIFEST} inside") from None
            if info.file_size > MAX_MANIFEST_BYTES:
                raise LabBuildError(f"{apk}: {MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
            return parse_manifest(z.read(info), f"{apk.name}!{MANIFEST}")
    except (zipfile.BadZipFile, OSError) as exc:
        raise LabBuildError(f"{apk} is not a lab app (a jar/zip with {MANIFEST}): {exc}") from None


def apps_root() -> Path:
    return source_root() / "apps"


def builtin_app_dir(name: str) -> Path:
    return apps_root() / name


def _inputs(app_dir: Path, libraries: list[Path], payloads: list[Path]) -> list[tuple[str, Path, Path]]:
    """(label, base, file) of every input: manifest, sources, assets, payload sources."""
    files: list[tuple[str, Path, Path]] = [("app", app_dir, app_dir / MANIFEST)]
    roots = [("app", app_dir, ("java", "assets", "payload"))]
    roots += [(f"lib{i}", lib, ("java",)) for i, lib in enumerate(libraries)]
    roots += [(f"payload{i}", d, (".",)) for i, d in enumerate(payloads)]
    for label, root, subs in roots:
        for sub in subs:
            base = root / sub
            if base.is_dir():
                files += [(label, root, p) for p in sorted(base.rglob("*")) if p.is_file()]
    return files


def app_hash(app_dir: Path, libraries: list[Path], framework: Path, javac_version: str, payloads: list[Path] = ()) -> str:
    digest = hashlib.sha256(f"{javac_version}\0{JAVA_RELEASE}\0{framework.name}\0".encode())
    for label, base, path in _inputs(app_dir, libraries, list(payloads)):
        digest.update(f"{label}:{path.relative_to(base)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_app(app_dir: Path, output: Path | None = None, *, libraries: list[Path] | None = None,
              payloads: list[Path] | None = None) -> Path:
    """Builds the app (cached); copies it to ``output`` when given; returns the package path."""
    app_dir = Path(app_dir)
    if not (app_dir / MANIFEST).is_file():
        raise LabBuildError(f"{app_dir} is not a lab app directory: no {MANIFEST}")
    manifest = parse_manifest((app_dir / MANIFEST).read_bytes(), str(app_dir / MANIFEST))
    if manifest.launcher_activity is None and not manifest.processes:
        raise LabBuildError(f"{app_dir / MANIFEST}: no launcher activity (an <activity> with MAIN/LAUNCHER intent-filter)")
    libraries = list(libraries or [])
    payloads = list(payloads or []) + ([app_dir / "payload"] if (app_dir / "payload").is_dir() else [])
    if not any((d / "java").is_dir() for d in [app_dir, *libraries]):
        raise LabBuildError(f"{app_dir} has no java/ sources")
    framework = ensure_built()
    javac = tool("javac")
    target = cache_root() / "apps" / f"{manifest.package}-{app_hash(app_dir, libraries, framework, _javac_version(javac), payloads)}.apk"
    if not target.is_file():
        _build(javac, app_dir, libraries, payloads, framework, target)
    if output is not None:
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, output)
        return output
    return target


def _javac(javac: str, sources: list[Path], classpath: list[Path], out: Path, what: str) -> None:
    argfile = out.parent / f"{out.name}-sources.txt"
    argfile.write_text("\n".join(f'"{p.as_posix()}"' for p in sources), encoding="utf-8")
    cmd = [javac, "--release", JAVA_RELEASE, "-encoding", "UTF-8", "-nowarn", *JAVAC_FLAGS,
           "-cp", os.pathsep.join(map(str, classpath)), "-d", str(out), f"@{argfile}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise LabBuildError(f"javac took longer than {COMPILE_TIMEOUT_S}s ({what})") from None
    if proc.returncode != 0:
        raise LabBuildError(f"javac failed for {what}:\n" + (proc.stderr or proc.stdout)[-4000:])


def _build(javac: str, app_dir: Path, libraries: list[Path], payloads: list[Path], framework: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".app-", dir=target.parent) as tmp:
        tmpdir = Path(tmp)
        classes = tmpdir / "classes"
        classes.mkdir()
        sources = [p for d in [app_dir, *libraries] for p in sorted((d / "java").rglob("*.java")) if (d / "java").is_dir()]
        _javac(javac, sources, [framework], classes, app_dir.name)
        payload_sources = [p for d in payloads for p in sorted(d.rglob("*.java"))]
        payload_jar = None
        if payload_sources:
            payload_classes = tmpdir / "payload"
            payload_classes.mkdir()
            _javac(javac, payload_sources, [framework, classes], payload_classes, f"{app_dir.name} payload")
            payload_jar = tmpdir / PAYLOAD_ASSET
            _zip_dir(payload_classes, payload_jar)
        staged = tmpdir / "app.apk"
        with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(app_dir / MANIFEST, MANIFEST)
            for path in sorted(classes.rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(classes).as_posix())
            assets = app_dir / "assets"
            if assets.is_dir():
                for path in sorted(assets.rglob("*")):
                    if path.is_file():
                        z.write(path, "assets/" + path.relative_to(assets).as_posix())
            if payload_jar is not None:
                z.write(payload_jar, "assets/" + PAYLOAD_ASSET)
        os.replace(staged, target)  # atomic: a concurrent build of the same hash may win


def _zip_dir(directory: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(directory).as_posix())


def build_builtin(name: str) -> Path:
    """A built-in app (labdevice/apps/NAME), bundled with the apps' shared library.

    Its optional ``build.json`` names more payload source directories relative to
    labdevice/ (``{"payload": ["plugins/amap_maps"]}``): SDK code the app loads late.
    """
    app_dir = builtin_app_dir(name)
    if not (app_dir / MANIFEST).is_file():
        raise LabBuildError(f"no built-in lab app {name!r} (labdevice/apps/{name})")
    library = apps_root() / LIBRARY_DIR
    payloads: list[Path] = []
    if (app_dir / "build.json").is_file():
        spec = json.loads((app_dir / "build.json").read_text(encoding="utf-8"))
        payloads = [source_root() / p for p in spec.get("payload", [])]
    return build_app(app_dir, libraries=[library] if library.is_dir() else [], payloads=payloads)
