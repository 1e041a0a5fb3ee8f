"""A report as renderers read it: the small parts of the Report model, and a source of
its findings and request proofs (a Report in memory, or a stored run read a page at a
time: report/source.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator, Protocol

from analyzer.models.report import Finding, Report, RequestProof


class FindingSource(Protocol):
    """Where a view reads findings from: a Report in memory or a stored run (source.py)."""

    @property
    def finding_count(self) -> int: ...

    @property
    def request_count(self) -> int: ...

    @property
    def call_count(self) -> int: ...

    def iter_findings(self) -> Iterator[tuple[int, Finding]]: ...  # (position, finding), report order

    def iter_by_request(self) -> Iterator[list[tuple[int, Finding]]]: ...  # one request's findings at a time

    def groups(self, start: int, stop: int | None) -> list[tuple[RequestProof | None, list[Finding]]]: ...

    def group_keys(self, start: int, stop: int | None) -> list[Any]: ...

    def groups_for(self, keys: list[Any], *, proofs: bool = True) -> list[tuple[RequestProof | None, list[Finding]]]: ...

    def calls(self, start: int, stop: int | None) -> list[Finding]: ...

    def iter_proofs(self) -> Iterator[RequestProof]: ...

    @property
    def proof_count(self) -> int: ...


@dataclass
class ReportParts:
    """A report as renderers read it: the small parts in ``report`` (its ``findings`` and
    ``requests`` are not read) and the findings and request proofs in ``source``."""

    report: Report
    source: FindingSource


class MemorySource:
    """The findings and proofs of a Report held in memory (library callers, the dashboard)."""

    def __init__(self, report: Report) -> None:
        self.report = report

    @cached_property
    def _grouped(self) -> tuple[list[tuple[RequestProof | None, list[Finding]]], list[Finding]]:
        proofs = {p.id: p for p in self.report.requests}
        groups: dict[str, list[Finding]] = {}
        calls: list[Finding] = []
        for f in self.report.findings:
            if f.flow is None:
                calls.append(f)
            else:
                groups.setdefault(f.flow.id, []).append(f)
        ordered = [(proofs.get(flow_id), items) for flow_id, items in groups.items()]
        ordered.sort(key=lambda g: (g[1][0].ts, g[0].seq if g[0] and g[0].seq else 0, g[1][0].flow.id))
        return ordered, calls

    @property
    def finding_count(self) -> int:
        return len(self.report.findings)

    @property
    def request_count(self) -> int:
        return len(self._grouped[0])

    @property
    def call_count(self) -> int:
        return len(self._grouped[1])

    def iter_findings(self) -> Iterator[tuple[int, Finding]]:
        return enumerate(self.report.findings)

    def iter_by_request(self) -> Iterator[list[tuple[int, Finding]]]:
        by_flow: dict[str, list[tuple[int, Finding]]] = {}
        for position, f in enumerate(self.report.findings):
            if f.flow is None:
                yield [(position, f)]
            else:
                by_flow.setdefault(f.flow.id, []).append((position, f))
        yield from by_flow.values()

    def groups(self, start: int, stop: int | None) -> list[tuple[RequestProof | None, list[Finding]]]:
        return self._grouped[0][start:stop]

    def group_keys(self, start: int, stop: int | None) -> list[Any]:
        return self._grouped[0][start:stop]

    def groups_for(self, keys: list[Any], *, proofs: bool = True) -> list[tuple[RequestProof | None, list[Finding]]]:
        return keys

    def calls(self, start: int, stop: int | None) -> list[Finding]:
        return self._grouped[1][start:stop]

    def iter_proofs(self) -> Iterator[RequestProof]:
        return iter(self.report.requests)

    @property
    def proof_count(self) -> int:
        return len(self.report.requests)


def as_parts(item: "Report | ReportParts") -> ReportParts:
    return item if isinstance(item, ReportParts) else ReportParts(item, MemorySource(item))
