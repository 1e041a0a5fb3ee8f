"""A finding's effective triage state as one SQL expression over the findings row.

The state is the session's mark, else the state of the oldest active suppression rule the
finding matches, else ``untriaged`` (analyzer/triage/service.py says the same in Python).
Rules are few and read once per request, so each one becomes a plain condition in a CASE
on the row's own columns: no subquery runs per finding, which is what made filtering a
million findings by triage state slow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import and_, case, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.orm import aliased

from analyzer.store import models as m
from analyzer.store.models_triage import SuppressionRule, TriageMark
from analyzer.triage.keys import TRIAGE_KEY_COLUMN

_F = m.Finding
# The host a finding went to, as the report JSON gives it (lower case).
FINDING_HOST = func.lower(func.coalesce(
    _F.data["destination"]["host"].as_string(), _F.data["flow"]["host"].as_string(), literal("")))


@dataclass(frozen=True)
class Rule:
    """The fields of an active suppression rule that decide what it matches."""

    state: str
    app_package: str | None
    host: str | None
    rule: str | None
    pii_type: str | None
    sdk: str | None


def active_rules(s) -> list[Rule]:
    """Active suppression rules, oldest first (the oldest matching one wins); read once per ORM session."""
    if "dashboard_rules" in s.info:
        return s.info["dashboard_rules"]
    rows = s.execute(select(SuppressionRule.state, SuppressionRule.app_package, SuppressionRule.host, SuppressionRule.rule,
                            SuppressionRule.pii_type, SuppressionRule.sdk)
                     .where(SuppressionRule.active.is_(True)).order_by(SuppressionRule.id)).all()
    s.info["dashboard_rules"] = [Rule(*r) for r in rows]
    return s.info["dashboard_rules"]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def rule_matches(rule: Rule, package: Any) -> Any:
    """SQL: the findings row matches RULE; PACKAGE is the app package column (or None when
    the caller already kept only the rules of its app)."""
    conds = []
    if rule.app_package and package is not None:
        conds.append(package == rule.app_package)
    for col, value in ((_F.rule, rule.rule), (_F.pii_type, rule.pii_type), (_F.sdk, rule.sdk)):
        if value:
            conds.append(col == value)
    if rule.host:
        # the host or a subdomain of it, wildcards taken literally (as service.host_matches)
        conds.append(or_(FINDING_HOST == rule.host, FINDING_HOST.like("%." + _like_escape(rule.host), escape="\\")))
    return and_(*conds) if conds else true()


def for_package(rules: Sequence[Rule], package: str | None) -> list[Rule]:
    """The rules that can apply to a finding of PACKAGE (its app's, and the store-wide ones)."""
    return [r for r in rules if not r.app_package or r.app_package == package]


def state_expr(mark, rules: Sequence[Rule], package: Any = None) -> Any:
    """SQL: the effective state of the findings row outer-joined to its MARK."""
    whens = [(mark.state.is_not(None), mark.state)]
    whens += [(rule_matches(r, package), literal(r.state)) for r in rules]
    return case(*whens, else_=literal("untriaged"))


def has_state(mark, rules: Sequence[Rule], state: str, package: Any = None) -> Any:
    """SQL: the row's effective state is STATE, with a cheap necessary condition first so the
    planner can drop most rows before the CASE (a marked row, or one matching a rule of STATE)."""
    if state == "untriaged":
        # NOT EXISTS, not "mark.id IS NULL" on the outer join: the planner estimates the
        # latter at one row and builds nested loops over every finding; an anti-join it
        # estimates right and walks the time index.
        other = aliased(TriageMark)
        unmarked = ~exists().where(other.session_id == _F.session_id, other.finding_key == TRIAGE_KEY_COLUMN)
        if not rules:
            return unmarked
        # NOT(any rule) for the same reason instead of "CASE ... = 'untriaged'" (taken for a
        # rare value). A rule on a NULL column is NULL, not false: coalesce keeps such rows.
        return and_(unmarked, not_(func.coalesce(or_(*(rule_matches(r, package) for r in rules)), false())))
    candidates = [rule_matches(r, package) for r in rules if r.state == state]
    necessary = or_(mark.state == state, and_(mark.id.is_(None), or_(*candidates))) if candidates else mark.state == state
    return and_(necessary, state_expr(mark, rules, package) == state)
