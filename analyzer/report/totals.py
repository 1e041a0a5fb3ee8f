"""Every count a rendered report shows, from one pass over its findings."""

from __future__ import annotations

from collections import Counter, defaultdict

from analyzer.models.report import Finding
from analyzer.report.parts import FindingSource
from analyzer.report.timeline import finding_lane


class FindingTotals:
    """Every count a rendered report shows, gathered in one pass over the findings (a
    request's findings at a time), so only counters are held, never the findings."""

    def __init__(self) -> None:
        self.rule_counts: Counter[str] = Counter()
        self.rule_phases: dict[str, Counter[str]] = defaultdict(Counter)
        self.rule_requests: Counter[str] = Counter()
        self.rule_lanes: dict[str, dict[str, int]] = defaultdict(dict)  # rule -> lane -> first position
        self.first_rules: set[str] = set()  # each finding's ``rule``
        self.lane_phases: dict[str, Counter[str]] = defaultdict(Counter)
        self.lane_requests: Counter[str] = Counter()
        self.lane_sent: dict[str, Counter[str]] = defaultdict(Counter)  # lane -> pii type -> requests
        self.lane_hosts: dict[str, set[str]] = defaultdict(set)
        self.lane_call_apis: dict[str, set[str]] = defaultdict(set)  # callers known from flow-less findings

    def add(self, items: list[tuple[int, Finding]]) -> None:
        """One request's findings (or one flow-less finding)."""
        rules_here: set[str] = set()
        lanes_here: set[str] = set()
        sent_here: set[tuple[str, str]] = set()
        for position, f in items:
            lane = finding_lane(f)
            self.first_rules.add(f.rule)
            self.lane_phases[lane][f.phase] += 1
            for rule in f.rules or [f.rule]:
                self.rule_counts[rule] += 1
                self.rule_phases[rule][f.phase] += 1
                known = self.rule_lanes[rule].get(lane)
                if known is None or position < known:
                    self.rule_lanes[rule][lane] = position
                if f.flow is not None:
                    rules_here.add(rule)
            if f.flow is not None:
                lanes_here.add(lane)
                if f.pii_type:
                    sent_here.add((lane, f.pii_type))
                self.lane_hosts[lane].add(f.destination.host if f.destination else f.flow.host)
            elif f.evidence.api_call is not None:
                self.lane_call_apis[lane].add(f.evidence.api_call.api)
        for rule in rules_here:
            self.rule_requests[rule] += 1
        for lane in lanes_here:
            self.lane_requests[lane] += 1
        for lane, kind in sent_here:
            self.lane_sent[lane][kind] += 1

    @classmethod
    def of(cls, source: FindingSource) -> "FindingTotals":
        totals = cls()
        for items in source.iter_by_request():
            totals.add(items)
        return totals

    def lanes_of(self, rule: str) -> list[str]:
        """The SDK lanes of a rule's findings, in the order they first appear in the report."""
        lanes = self.rule_lanes.get(rule, {})
        return sorted(lanes, key=lanes.__getitem__)
