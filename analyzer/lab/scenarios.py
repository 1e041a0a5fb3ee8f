"""Scenario expectations (labdevice/scenarios/<name>.json) and the lab device profile.

Each scenario JSON says what a correct analysis of that lab app must and must not find for
each consent choice, which hosts the lab backend sees (without hooks), and exact API call
counts where the app prints them. Tests across the project read these instead of
hard-coding outcomes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from analyzer.lab.build import PROFILE_FILE, source_root

CONSENT_CHOICES = ("accept", "refuse", "none", "withdraw")
# Hosts of lab SDKs that no scenario expectation names (yet): the lab certificate covers them too.
OTHER_SDK_HOSTS = ("sdk.open.phone.igexin.com", "loc.map.baidu.com", "graph.facebook.com", "app.adjust.com",
                   "sdk-api-v1.singular.net")


class ScenarioError(ValueError):
    pass


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class AppInfo(_Open):
    package: str
    version: str = "1.0.0"
    first_party_domains: list[str] = Field(default_factory=list)


class ChoiceExpectation(_Open):
    must: list[dict[str, Any]] = Field(default_factory=list, description="findings that must exist (all given fields match)")
    must_not: list[dict[str, Any]] = Field(default_factory=list, description="findings that must not exist")
    hosts: list[str] = Field(default_factory=list, description="hosts the lab backend receives, without hooks")


class Scenario(_Open):
    name: str
    app: AppInfo
    description: str = ""
    consent_choices: list[str]
    expect: dict[str, ChoiceExpectation]
    counts: dict[str, int] = Field(default_factory=dict, description="exact LAB:COUNT values for any choice")
    pinned_hosts: list[str] = Field(default_factory=list, description="hosts whose requests fail without an unpinning hook")
    sdks: list[str] = Field(default_factory=list, description="canonical SDK ids present in the app")
    app_dir: str = Field("", description="the app's directory under labdevice/apps (default: the scenario name)")

    def model_post_init(self, __context: Any) -> None:
        if not self.app_dir:
            self.app_dir = self.name


@lru_cache(maxsize=1)
def load_scenarios() -> dict[str, Scenario]:
    """All scenario expectations by name."""
    out: dict[str, Scenario] = {}
    for path in sorted((source_root() / "scenarios").glob("*.json")):
        try:
            scenario = Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ScenarioError(f"{path.name}: {str(exc).splitlines()[0]}") from None
        if scenario.name != path.stem:
            raise ScenarioError(f"{path.name}: name {scenario.name!r} does not match the file name")
        unknown = set(scenario.consent_choices) - set(CONSENT_CHOICES)
        if unknown or set(scenario.expect) - set(scenario.consent_choices):
            raise ScenarioError(f"{path.name}: unknown consent choice in consent_choices/expect")
        out[scenario.name] = scenario
    return out


def get_scenario(name: str) -> Scenario:
    scenarios = load_scenarios()
    if name not in scenarios:
        raise ScenarioError(f"unknown lab scenario {name!r} (known: {', '.join(sorted(scenarios))})")
    return scenarios[name]


@lru_cache(maxsize=1)
def device_profile_full() -> dict[str, Any]:
    """The whole device profile: identifiers, build fields, operator, installed apps, contacts."""
    return json.loads((source_root() / PROFILE_FILE).read_text(encoding="utf-8"))


def device_profile() -> dict[str, str]:
    """PII kind -> the value the lab device returns (kinds as in docs/events.md).

    List-valued kinds are given as the strings the lab SDKs would send: ``installed_apps``
    as the comma-joined package names, ``contacts`` as the first contact's phone number.
    """
    full = device_profile_full()
    values = dict(full["identifiers"])
    values["installed_apps"] = ",".join(full["installed_apps"])
    values["contacts"] = full["contacts"][0]["number"]
    return values


def lab_hosts() -> list[str]:
    """Every host name a lab app contacts (for the lab server certificate)."""
    hosts: set[str] = set(OTHER_SDK_HOSTS)
    for scenario in load_scenarios().values():
        hosts.update(scenario.pinned_hosts)
        for expectation in scenario.expect.values():
            hosts.update(expectation.hosts)
            for finding in expectation.must + expectation.must_not:
                if isinstance(finding.get("host"), str):
                    hosts.add(finding["host"])
    return sorted(hosts)


def scenario_dir() -> Path:
    return source_root() / "scenarios"
