"""Layout of the session timeline SVG: pure geometry, no markup.

Consent events become vertical marks, the phase between them is shaded, and findings
and sensitive API calls become points in one lane per SDK (plus "app"/"unknown"). A
lane with more points than fit is aggregated into time bins so a 10,000-finding
session stays a light, readable picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from analyzer.models.report import ApiCallRef, Finding, Report

WIDTH = 1000
LEFT = 130  # room for lane names
RIGHT = 20
LABEL_ROWS = 3
LABEL_ROW_HEIGHT = 13
LABEL_CHAR_WIDTH = 7.0  # generous for 11px sans (CJK labels are fewer, wider glyphs)
TOP = 12 + LABEL_ROWS * LABEL_ROW_HEIGHT + 4  # room for consent labels
LANE_HEIGHT = 26
AXIS_HEIGHT = 28
# Above this many points a lane is drawn as time bins with counts.
MAX_POINTS_PER_LANE = 150
BINS_PER_LANE = 60

_PHASE_AFTER = {"granted": "post_consent", "refused": "post_refusal", "withdrawn": "post_withdrawal"}


@dataclass
class Point:
    x: float
    y: float
    ts: str
    finding: Finding | None = None
    call: ApiCallRef | None = None


@dataclass
class Bin:
    x: float
    y: float
    width: float
    count: int
    kind: str  # "finding" | "api"
    ids: list[str] = field(default_factory=list)


@dataclass
class Mark:
    x: float
    action: str
    ts: str
    source: str
    label_y: float
    index: int = -1  # position in report.consent
    text: str = ""  # the consent screen's text, when recorded


@dataclass
class Band:
    x: float
    width: float
    phase: str


@dataclass
class Lane:
    name: str
    y: float
    findings: list[Point] = field(default_factory=list)
    calls: list[Point] = field(default_factory=list)
    finding_bins: list[Bin] = field(default_factory=list)
    call_bins: list[Bin] = field(default_factory=list)


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    lanes: list[Lane]
    marks: list[Mark]
    bands: list[Band]
    ticks: list[Tick]
    finding_count: int
    aggregated: bool


def parse_ts(text: str | None) -> float | None:
    """ISO-8601 to epoch seconds; None for missing or unreadable times."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def finding_lane(finding: Finding) -> str:
    if finding.sdk:
        return finding.sdk
    dest = finding.destination
    if dest is not None and dest.sdk:
        return dest.sdk
    if dest is not None and dest.party == "first":
        return "app"
    if finding.evidence.model_extra and finding.evidence.model_extra.get("sdk_basis") == "app_code":
        return "app"
    return "unknown"


def call_lane(call: ApiCallRef) -> str:
    return call.sdk or "unknown"


def lane_order(names: set[str]) -> list[str]:
    sdks = sorted(n for n in names if n not in ("app", "unknown"))
    return sdks + [n for n in ("app", "unknown") if n in names]


def build_timeline(view) -> Timeline:
    """The timeline of a report view (views.ReportView), of a Report, or of anything with
    ``.report`` (the dashboard's page view). Findings are read twice, a page at a time:
    once for the time span and the points per lane, once to place them (a lane of more
    than MAX_POINTS_PER_LANE keeps only bin counts)."""
    if isinstance(view, Report):
        from analyzer.report.parts import MemorySource

        report, source = view, MemorySource(view)
    else:
        report = view.report
        source = getattr(view, "source", None)
        if source is None:
            from analyzer.report.parts import MemorySource

            source = MemorySource(report)
    call_times = [(c, parse_ts(c.ts)) for c in report.api_calls]
    mark_times = [(m, parse_ts(m.ts)) for m in report.consent]
    mark_index = {id(m): i for i, m in enumerate(report.consent)}
    known = [t for _, t in call_times + mark_times if t is not None]
    known += [t for t in (parse_ts(report.session.started_at), parse_ts(report.session.ended_at)) if t is not None]
    per_lane: dict[str, int] = {}
    finding_count = 0
    for _position, f in source.iter_findings():
        finding_count += 1
        t = parse_ts(f.ts)
        if t is not None:
            known.append(t)
            known[:] = [min(known), max(known)]
        lane_name = finding_lane(f)
        per_lane[lane_name] = per_lane.get(lane_name, 0) + 1
    t0 = min(known) if known else 0.0
    t1 = max(known) if known else 1.0
    span = max(t1 - t0, 1e-3)
    plot_w = WIDTH - LEFT - RIGHT

    def x_of(t: float | None) -> float:
        return LEFT + plot_w * (((t if t is not None else t0) - t0) / span)

    names = set(per_lane) | {call_lane(c) for c in report.api_calls}
    lanes = [Lane(name, TOP + i * LANE_HEIGHT + LANE_HEIGHT / 2) for i, name in enumerate(lane_order(names))]
    by_name = {lane.name: lane for lane in lanes}
    binned = {name for name, n in per_lane.items() if n > MAX_POINTS_PER_LANE}
    buckets: dict[str, dict[int, list]] = {name: {} for name in binned}
    for _position, f in source.iter_findings():
        lane = by_name[finding_lane(f)]
        x = x_of(parse_ts(f.ts))
        if lane.name in binned:
            bucket = buckets[lane.name].setdefault(_bin_index(x), [0, []])
            bucket[0] += 1
            if len(bucket[1]) < 50:
                bucket[1].append(f.id)
        else:
            lane.findings.append(Point(x, lane.y, f.ts, finding=f))
    for c, t in call_times:
        lane = by_name[call_lane(c)]
        lane.calls.append(Point(x_of(t), lane.y, c.ts, call=c))
    aggregated = bool(binned)
    for lane in lanes:
        if lane.name in binned:
            lane.finding_bins = _bins_of(buckets[lane.name], lane.y, "finding")
        if len(lane.calls) > MAX_POINTS_PER_LANE:
            lane.call_bins = _bin(lane.calls, lane.y, "api")
            lane.calls = []

    plot_bottom = TOP + max(len(lanes), 1) * LANE_HEIGHT
    ordered = sorted(mark_times, key=lambda mt: mt[1] if mt[1] is not None else t0)
    rows = _label_rows([x_of(t) for _, t in ordered], [len(m.action) for m, _ in ordered])
    marks = [
        Mark(x_of(t), m.action, m.ts, m.source, label_y=12 + LABEL_ROW_HEIGHT * row, index=mark_index[id(m)],
             text=(m.text or "")[:300])
        for (m, t), row in zip(ordered, rows)
    ]
    return Timeline(
        width=WIDTH,
        height=int(plot_bottom + AXIS_HEIGHT),
        plot_top=TOP,
        plot_bottom=plot_bottom,
        lanes=lanes,
        marks=marks,
        bands=_bands(marks, LEFT, WIDTH - RIGHT),
        ticks=_ticks(t0, span, x_of),
        finding_count=finding_count,
        aggregated=aggregated,
    )


def _label_rows(xs: list[float], lengths: list[int]) -> list[int]:
    """A text row per consent label so that labels of close marks do not overlap: each
    label takes the first row whose previous label ends left of it (the last row when
    marks are packed tighter than the rows can separate)."""
    ends = [float("-inf")] * LABEL_ROWS
    rows = []
    for x, n in zip(xs, lengths):
        row = next((r for r, end in enumerate(ends) if end < x), LABEL_ROWS - 1)
        ends[row] = x + 4 + n * LABEL_CHAR_WIDTH
        rows.append(row)
    return rows


def _bin_index(x: float) -> int:
    bin_w = (WIDTH - LEFT - RIGHT) / BINS_PER_LANE
    return min(int((x - LEFT) / bin_w), BINS_PER_LANE - 1)


def _bins_of(buckets: dict[int, list], y: float, kind: str) -> list[Bin]:
    """Bins from (count, first ids) per bin index."""
    bin_w = (WIDTH - LEFT - RIGHT) / BINS_PER_LANE
    return [Bin(LEFT + idx * bin_w, y, bin_w, buckets[idx][0], kind, buckets[idx][1]) for idx in sorted(buckets)]


def _bin(points: list[Point], y: float, kind: str) -> list[Bin]:
    buckets: dict[int, list] = {}
    for p in points:
        bucket = buckets.setdefault(_bin_index(p.x), [0, []])
        bucket[0] += 1
        if p.finding is not None and len(bucket[1]) < 50:
            bucket[1].append(p.finding.id)
    return _bins_of(buckets, y, kind)


def _bands(marks: list[Mark], left: float, right: float) -> list[Band]:
    """Shaded phases: pre-consent until the first decision, then whatever each decision starts."""
    bands: list[Band] = []
    phase, start = "pre_consent", left
    for mark in marks:
        nxt = _PHASE_AFTER.get(mark.action)
        if nxt is None or nxt == phase:
            continue
        if mark.x > start:
            bands.append(Band(start, mark.x - start, phase))
        phase, start = nxt, mark.x
    if right > start:
        bands.append(Band(start, right - start, phase))
    return bands


def _ticks(t0: float, span: float, x_of) -> list[Tick]:
    step = _nice_step(span / 8)
    ticks = []
    k = 0
    while k * step <= span + 1e-9 and k < 50:
        ticks.append(Tick(x_of(t0 + k * step), _fmt_offset(k * step)))
        k += 1
    return ticks


def _nice_step(raw: float) -> float:
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if step >= raw:
            return step
    return 3600 * max(1, round(raw / 3600))


def _fmt_offset(seconds: float) -> str:
    if seconds >= 120:
        return f"+{seconds / 60:g} min"
    return f"+{seconds:g} s"
