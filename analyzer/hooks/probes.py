"""Installed-app probing: an app that asks for packages one by one (getPackageInfo /
getApplicationInfo in a loop, queryIntentActivities) learns the installed-app list
without getInstalledPackages. What counts is how many distinct packages it asked about."""

from __future__ import annotations

from collections.abc import Iterable

from analyzer.models.events import ApiCallEvent

PROBING_APIS = frozenset({
    "android.app.ApplicationPackageManager.getPackageInfo",
    "android.app.ApplicationPackageManager.getApplicationInfo",
    "android.app.ApplicationPackageManager.queryIntentActivities",
})


def packages_probed(events: Iterable[ApiCallEvent]) -> dict[str, set[str]]:
    """Per process ("" for the main one): the distinct packages (or intents) probed."""
    probed: dict[str, set[str]] = {}
    for event in events:
        if event.api in PROBING_APIS and event.args and event.args[0] is not None:
            probed.setdefault(event.process or "", set()).add(str(event.args[0]))
    return probed
