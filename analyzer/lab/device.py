"""The lab device's storage: installed apps and their data, kept across runs like a phone's.

Layout under the device root (``$CONSENTRY_LAB_DEVICE``, default the user data dir):
``data/app/<package>/base.apk`` and ``package.json`` (version, granted permissions),
``data/data/<package>/`` the app's private data (shared_prefs/, files/, ...), which
survives runs until ``clear_app_data`` wipes it, as ``pm clear`` does on Android.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from analyzer.devices.base import DeviceError, PermissionPolicy
from analyzer.lab.apps import AppManifest, read_apk_manifest
from analyzer.lab.build import LabBuildError

PACKAGE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def device_root() -> Path:
    override = os.environ.get("CONSENTRY_LAB_DEVICE")
    return Path(override) if override else Path(platformdirs.user_data_dir("consentry")) / "lab-device"


@dataclass(frozen=True)
class InstalledApp:
    package: str
    version: str
    apk: Path
    data_dir: Path
    granted: tuple[str, ...]
    manifest: AppManifest


class LabDeviceStorage:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else device_root()

    def _app_dir(self, package: str) -> Path:
        if not PACKAGE_NAME.match(package):
            raise DeviceError(f"not a package name: {package!r}")
        return self.root / "data" / "app" / package

    def data_dir(self, package: str) -> Path:
        if not PACKAGE_NAME.match(package):
            raise DeviceError(f"not a package name: {package!r}")
        return self.root / "data" / "data" / package

    def install(self, apk: Path, permissions: PermissionPolicy = PermissionPolicy()) -> InstalledApp:
        """Installs (or updates) a built lab app, granting the runtime permissions the policy names."""
        apk = Path(apk)
        if not apk.is_file():
            raise DeviceError(f"no such app file: {apk}")
        try:
            manifest = read_apk_manifest(apk)
        except LabBuildError as exc:
            raise DeviceError(str(exc).splitlines()[0]) from None
        if permissions.mode == "all":
            granted = manifest.permissions
        elif permissions.mode == "list":
            granted = tuple(p for p in permissions.names if p in manifest.permissions)
        else:
            granted = ()
        app_dir = self._app_dir(manifest.package)
        app_dir.mkdir(parents=True, exist_ok=True)
        staged = app_dir / ".base.apk.part"
        shutil.copyfile(apk, staged)
        os.replace(staged, app_dir / "base.apk")
        (app_dir / "package.json").write_text(json.dumps({"package": manifest.package, "version": manifest.version_name,
                                                          "granted": list(granted)}, indent=1), encoding="utf-8")
        self.data_dir(manifest.package).mkdir(parents=True, exist_ok=True)
        return self._installed(manifest.package, manifest, granted)

    def installed(self, package: str) -> InstalledApp | None:
        app_dir = self._app_dir(package)
        apk = app_dir / "base.apk"
        if not apk.is_file():
            return None
        try:
            meta = json.loads((app_dir / "package.json").read_text(encoding="utf-8"))
            manifest = read_apk_manifest(apk)
        except (OSError, ValueError, LabBuildError):
            return None
        return self._installed(package, manifest, tuple(meta.get("granted") or ()))

    def _installed(self, package: str, manifest: AppManifest, granted: tuple[str, ...]) -> InstalledApp:
        return InstalledApp(package=package, version=manifest.version_name, apk=self._app_dir(package) / "base.apk",
                            data_dir=self.data_dir(package), granted=tuple(granted), manifest=manifest)

    def clear(self, package: str) -> None:
        """Wipes the app's data directory (DeviceError when it could not)."""
        data = self.data_dir(package)
        try:
            if data.exists():
                shutil.rmtree(data)
            data.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeviceError(f"could not clear the data of {package}: {exc}") from None
