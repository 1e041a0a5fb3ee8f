"""Per-run app state: every run starts the app from the same place, on every backend.

Before the spawn the app is force-stopped and, unless ``--keep-data``, its data is cleared
(``pm clear``): an app that stored "agreed" in an earlier ``accept`` run would never show
its privacy screen to a later ``refuse`` run. A ``refuse`` or ``none`` run whose data could
not be cleared is not started at all: its result would be meaningless (docs/runner.md).
"""

from __future__ import annotations

from analyzer.devices.base import AppTarget, DeviceBackend, DeviceError
from analyzer.runner.plan import ConsentPlan

NEEDS_FRESH_DATA = ("refuse", "none")


class AppStateError(DeviceError):
    """The run must not start: the app's state could not be reset (one line)."""


def prepare_app_state(backend: DeviceBackend, target: AppTarget, plan: ConsentPlan, *, keep_data: bool) -> list[str]:
    """Force-stop, then clear the app's data; returns notes for the run, raises AppStateError to refuse it."""
    notes: list[str] = []
    try:
        backend.force_stop(target.package)
    except DeviceError as exc:
        notes.append(f"could not force-stop {target.package} before the run: {exc}")
    if keep_data:
        return notes
    try:
        backend.clear_app_data(target.package)
    except DeviceError as exc:
        if plan.choice in NEEDS_FRESH_DATA:
            raise AppStateError(
                f"not starting a {plan.spec} run: the data of {target.package} could not be cleared ({exc}); "
                "a consent stored by an earlier run would hide the privacy screen (--keep-data runs anyway)"
            ) from None
        notes.append(f"app data not cleared: {exc}")
    return notes
