"""Where the files shipped beside the Python package live.

addons/, hooks/ and labdevice/ sit at the top of the repository and ship in the wheel as
the packages consentry_addons, consentry_hooks and consentry_labdevice (setup.py). One
lookup serves an installed consentry and a source checkout alike.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO_DIRS = {"consentry_addons": "addons", "consentry_hooks": "hooks", "consentry_labdevice": "labdevice"}


def shipped_dir(package: str, marker: str) -> Path | None:
    """The directory of ``package`` that contains ``marker`` (a file or folder): the
    installed package first, else the repository's copy; None when neither has it."""
    candidates: list[Path] = []
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) for p in spec.submodule_search_locations]
    candidates.append(Path(__file__).resolve().parents[1] / REPO_DIRS[package])
    return next((c for c in candidates if (c / marker).exists()), None)


def addon_script(name: str) -> Path:
    """A mitmproxy addon script shipped in addons/ (e.g. ``capture.py``)."""
    found = shipped_dir("consentry_addons", name)
    if found is None:
        raise FileNotFoundError(f"addon {name} not found (no consentry_addons/{name}); reinstall consentry")
    return found / name
