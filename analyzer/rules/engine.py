"""Rule logic, keyed by the stable rule ids. Pure functions over placed items.

The pipeline places every flow and API call on the consent timeline; these functions
say which rules that placement triggers and how sure the finding is.

An ``ambiguous`` placement (too close to a consent transition to order) still yields
the rule of the violating side, with phase ``ambiguous``: when both candidate phases
violate (before a refusal: pre-consent; after it: post-refusal) the earlier side's rule
keeps the match's confidence; when only one side violates the confidence is ``low``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from analyzer.attribution import PartyVerdict
from analyzer.correlate.timeline import AMBIGUOUS, PRE, REFUSED, WITHDRAWN, Placement

FLOW_PHASE_RULES = {
    PRE: "pre-consent-transmission",
    REFUSED: "post-refusal-transmission",
    WITHDRAWN: "post-withdrawal-transmission",
}
API_PHASE_RULES = {
    PRE: "pre-consent-api-call",
    REFUSED: "post-refusal-api-call",
    WITHDRAWN: "post-withdrawal-api-call",
}
CLEARTEXT_SCHEMES = ("http", "ws")
_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Hit:
    rule: str
    phase: str
    confidence: str
    note: str | None = None


def cap(confidence: str, at_most: str) -> str:
    return confidence if _RANK.get(confidence, 0) <= _RANK[at_most] else at_most


def phase_hit(placement: Placement, table: dict[str, str], confidence: str) -> Hit | None:
    if placement.phase in table:
        return Hit(table[placement.phase], placement.phase, confidence)
    if placement.phase != AMBIGUOUS or not placement.sides:
        return None
    before, after = placement.sides
    if before in table:
        both = after in table
        return Hit(table[before], AMBIGUOUS, confidence if both else "low",
                   None if both else f"{before} or {after}: within the clock uncertainty of a consent change")
    if after in table:
        return Hit(table[after], AMBIGUOUS, "low", f"{before} or {after}: within the clock uncertainty of a consent change")
    return None


def flow_hits(
    confidence: str,
    placement: Placement,
    *,
    scheme: str,
    party: PartyVerdict,
    foreground: str,
    enabled: Iterable[str],
) -> list[Hit]:
    """Rules one piece of personal data in one flow triggers."""
    enabled = set(enabled)
    hits: list[Hit] = []
    phase = phase_hit(placement, FLOW_PHASE_RULES, confidence)
    if phase is not None and phase.rule in enabled:
        hits.append(phase)
    if "cleartext-transmission" in enabled and scheme.lower() in CLEARTEXT_SCHEMES:
        hits.append(Hit("cleartext-transmission", placement.phase, confidence))
    if "third-party-transmission" in enabled and party.party == "third":
        sure = party.basis in ("first_party_domain", "sdk_host", "not_first_party")
        hits.append(Hit("third-party-transmission", placement.phase, confidence if sure else cap(confidence, "medium")))
    if "background-collection" in enabled and foreground == "background":
        hits.append(Hit("background-collection", placement.phase, confidence))
    return hits


def api_phase_hit(first: Placement, last: Placement, enabled: Iterable[str]) -> Hit | None:
    """Consent-phase rule of a (possibly batched) call: its first call decides
    "before consent", its last call "after refusal/withdrawal"."""
    enabled = set(enabled)
    if first.phase == PRE:
        hit = Hit(API_PHASE_RULES[PRE], PRE, "high")
    elif last.phase in (REFUSED, WITHDRAWN):
        hit = Hit(API_PHASE_RULES[last.phase], last.phase, "high")
    else:
        hit = phase_hit(first, API_PHASE_RULES, "high") or phase_hit(last, API_PHASE_RULES, "high")
    return hit if hit is not None and hit.rule in enabled else None


@dataclass(frozen=True)
class Peak:
    count: int  # calls inside the busiest window
    start_ms: float
    end_ms: float  # time of the last call inside that window
    total: int  # all calls, exact (sum of the events' count fields)


MAX_POINTS_PER_BATCH = 2000


def _points(batches: Sequence[tuple[float, float, int]]) -> list[tuple[float, int]]:
    """A batch of ``count`` calls between first and last spread evenly (weights sum exactly)."""
    points: list[tuple[float, int]] = []
    for first, last, count in batches:
        if count <= 1 or last <= first:
            points.append((last if count <= 1 else first, count))
            continue
        n = min(count, MAX_POINTS_PER_BATCH)
        base, extra = divmod(count, n)
        step = (last - first) / (n - 1) if n > 1 else 0.0
        for i in range(n):
            points.append((first + i * step, base + (1 if i < extra else 0)))
    points.sort()
    return points


def peak_window(batches: Sequence[tuple[float, float, int]], window_ms: float) -> Peak | None:
    """The busiest window of ``window_ms`` over batched calls (first_ms, last_ms, count)."""
    points = _points(batches)
    if not points:
        return None
    best = Peak(0, points[0][0], points[0][0], sum(w for _, w in points))
    running, i = 0, 0
    for j, (t, w) in enumerate(points):
        running += w
        while t - points[i][0] >= window_ms:
            running -= points[i][1]
            i += 1
        if running > best.count:
            best = Peak(running, points[i][0], t, best.total)
    return best
