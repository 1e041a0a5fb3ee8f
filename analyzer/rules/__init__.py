"""Rulesets: the rule catalogue (ids, titles, severities, clauses) as shipped data.

Each version is one JSON file in ``analyzer/rules/data/``; the rule *logic* is keyed
by the stable rule ids (``analyzer.rules.engine``), a ruleset selects which rules run
and their defaults (over-frequency window and limit, ambiguity floor, ...). Older
versions stay so a stored session can be re-analysed exactly as before.

A rules config file (JSON) overrides the defaults of a run::

    {"over_frequency": {"window_ms": 10000, "max_calls": 10,
                        "per_api": {"android.location.LocationManager.getLastKnownLocation":
                                    {"window_ms": 60000, "max_calls": 30}}},
     "ambiguity_floor_ms": 5, "background_grace_ms": 1000, "ui_consent_near_ms": 2000,
     "disabled_rules": ["third-party-transmission"]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

RULESET_VERSION = "2026.11.1"

RULE_IDS = (
    "pre-consent-transmission",
    "post-refusal-transmission",
    "post-withdrawal-transmission",
    "pre-consent-api-call",
    "post-refusal-api-call",
    "post-withdrawal-api-call",
    "over-frequency-collection",
    "background-collection",
    "cleartext-transmission",
    "third-party-transmission",
    # run only for sessions with a declared practice (analyzer.rules.declared)
    "undisclosed-sdk",
    "undisclosed-data",
)

MAX_CONFIG_BYTES = 1024 * 1024


class RulesetError(ValueError):
    """Unknown ruleset version or an invalid rules config (one-line message)."""


class FrequencyLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    window_ms: float = Field(10_000, gt=0, le=86_400_000)
    max_calls: int = Field(10, ge=1)


class OverFrequencyConfig(FrequencyLimit):
    per_api: dict[str, FrequencyLimit] = Field(default_factory=dict)

    def limit_for(self, api: str) -> FrequencyLimit:
        return self.per_api.get(api) or FrequencyLimit(window_ms=self.window_ms, max_calls=self.max_calls)


class RulesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    over_frequency: OverFrequencyConfig = Field(default_factory=OverFrequencyConfig)
    ambiguity_floor_ms: float = Field(5.0, ge=0, le=60_000)
    background_grace_ms: float = Field(1000.0, ge=0, le=3_600_000)
    ui_consent_near_ms: float = Field(2000.0, ge=0, le=600_000)
    disabled_rules: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Ruleset:
    version: str
    description: str
    rules: tuple[dict[str, Any], ...]  # RuleInfo-shaped dicts, catalogue order
    defaults: dict[str, Any]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r["id"] for r in self.rules)

    def with_rules(self, extra: tuple[dict[str, Any], ...]) -> "Ruleset":
        """This ruleset with more rules appended (the disclosure rules of a declared practice)."""
        known = set(self.rule_ids)
        return Ruleset(self.version, self.description, self.rules + tuple(r for r in extra if r["id"] not in known),
                       self.defaults)

    def rule(self, rule_id: str) -> dict[str, Any] | None:
        return next((r for r in self.rules if r["id"] == rule_id), None)

    def config(self, overrides: dict[str, Any] | None = None) -> RulesConfig:
        """Defaults of this ruleset with a rules config file's values on top."""
        merged = json.loads(json.dumps(self.defaults))
        for key, value in (overrides or {}).items():
            if key == "over_frequency" and isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        try:
            config = RulesConfig.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "config"
            raise RulesetError(f"invalid rules config: {where}: {first['msg']}") from None
        unknown = sorted(set(config.disabled_rules) - set(RULE_IDS))
        if unknown:
            raise RulesetError(f"invalid rules config: disabled_rules: unknown rule {unknown[0]!r}")
        return config


def _data_dir():
    return resources.files("analyzer.rules").joinpath("data")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def available_rulesets() -> list[str]:
    """Shipped ruleset versions, oldest first."""
    names = [p.name[: -len(".json")] for p in _data_dir().iterdir() if p.name.endswith(".json")]
    return sorted(names, key=_version_key)


@lru_cache(maxsize=8)
def load_ruleset(version: str | None = None) -> Ruleset:
    version = version or RULESET_VERSION
    if version not in available_rulesets():
        raise RulesetError(f"unknown ruleset {version!r}; available: {', '.join(available_rulesets())}")
    data = json.loads(_data_dir().joinpath(f"{version}.json").read_text("utf-8"))
    for rule in data["rules"]:
        if rule["id"] not in RULE_IDS:
            raise RulesetError(f"ruleset {version} names a rule this version cannot run: {rule['id']}")
    return Ruleset(data["version"], data.get("description", ""), tuple(data["rules"]), data.get("defaults", {}))


def read_rules_config(path: str | Path) -> dict[str, Any]:
    """A rules config file as a dict (validated when merged into a ruleset)."""
    from analyzer.fileio import JsonFileError, read_json_object

    try:
        return read_json_object(path, what="rules config", max_bytes=MAX_CONFIG_BYTES)
    except JsonFileError as exc:
        raise RulesetError(str(exc)) from None


__all__ = [
    "RULESET_VERSION",
    "RULE_IDS",
    "FrequencyLimit",
    "OverFrequencyConfig",
    "Ruleset",
    "RulesConfig",
    "RulesetError",
    "available_rulesets",
    "load_ruleset",
    "read_rules_config",
]
