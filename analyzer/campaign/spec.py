"""What a campaign is made of: the apps file and the plans list, checked before anything exists.

Apps file: one app per line, ``APP [VERSION]``; APP is an APK path (ends in ``.apk`` or
contains a slash) or an installed package / lab scenario name. ``#`` starts a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from analyzer.runner.consent import parse_consent_plan

MAX_APPS_FILE_BYTES = 4 * 1024 * 1024
MAX_JOBS = 100_000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@=-]{0,99}$")
_PACKAGE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.$-]{0,254}$")
_VERSION = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


class CampaignInputError(ValueError):
    """Bad campaign input, worded as one line for the user."""


@dataclass(frozen=True)
class AppLine:
    app: str  # the package / scenario, or the APK's absolute path
    version: str = ""
    apk_path: str | None = None
    line: int = 0

    @property
    def key(self) -> str:
        """What the app lease locks: the same app (and APK) is one device at a time."""
        return self.apk_path or self.app


def validate_campaign_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise CampaignInputError(
            f"invalid campaign name {name!r}: 1-100 letters, digits and _ . @ = -, starting with a letter or digit")
    return name


def parse_plans(text: str) -> list[str]:
    """``accept,refuse,none,withdraw-after=20`` -> canonical plan specs (order kept)."""
    specs: list[str] = []
    for raw in (text or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        try:
            plan = parse_consent_plan(raw)
        except ValueError:
            raise CampaignInputError(
                f"unknown plan {raw!r} in --plans: use accept, refuse, none, accept-after=S or withdraw-after=S") from None
        if plan.spec in specs:
            raise CampaignInputError(f"plan {plan.spec!r} is given twice in --plans")
        specs.append(plan.spec)
    if not specs:
        raise CampaignInputError("--plans names no plan")
    return specs


def parse_apps_file(path: Path) -> list[AppLine]:
    """Read and check the apps file; every problem is one CampaignInputError naming its line."""
    try:
        if path.stat().st_size > MAX_APPS_FILE_BYTES:
            raise CampaignInputError(f"{path}: larger than {MAX_APPS_FILE_BYTES // (1024 * 1024)} MiB")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CampaignInputError(f"apps file {path} does not exist") from None
    except IsADirectoryError:
        raise CampaignInputError(f"apps file {path} is a directory") from None
    except UnicodeDecodeError:
        raise CampaignInputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise CampaignInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    apps: list[AppLine] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        app = _parse_line(path, number, line)
        first = seen.get((app.key, app.version))
        if first is not None:
            raise CampaignInputError(f"{path}:{number}: duplicate of line {first} ({line})")
        seen[(app.key, app.version)] = number
        apps.append(app)
    if not apps:
        raise CampaignInputError(f"{path}: names no app")
    return apps


def _parse_line(path: Path, number: int, line: str) -> AppLine:
    parts = line.split()
    if len(parts) > 2:
        raise CampaignInputError(f"{path}:{number}: expected 'APP [VERSION]', got {line!r}")
    name, version = parts[0], parts[1] if len(parts) == 2 else ""
    if version and not _VERSION.match(version):
        raise CampaignInputError(f"{path}:{number}: invalid version {version!r}")
    if name.endswith(".apk") or "/" in name or "\\" in name:
        apk = Path(name).expanduser()
        if not apk.is_absolute():
            apk = path.parent / apk  # relative to the apps file, not to where the command runs
        if not apk.is_file():
            raise CampaignInputError(f"{path}:{number}: APK {name} does not exist")
        return AppLine(app=str(apk.resolve()), version=version, apk_path=str(apk.resolve()), line=number)
    if not _PACKAGE.match(name):
        raise CampaignInputError(f"{path}:{number}: {name!r} is neither an APK path nor a package name")
    return AppLine(app=name, version=version, line=number)


def check_size(apps: list[AppLine], plans: list[str]) -> None:
    if len(apps) * len(plans) > MAX_JOBS:
        raise CampaignInputError(f"{len(apps)} apps × {len(plans)} plans is more than {MAX_JOBS} jobs")
