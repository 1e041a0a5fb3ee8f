"""Analysis runs and their findings: which run is a session's current analysis."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Sequence

from sqlalchemy import select, update

from analyzer.models.report import Finding
from analyzer.store import models as m
from analyzer.store.db import StoreError
from analyzer.store.fit import storable_json
from analyzer.store.types import utcnow


class FindingsMixin:
    def start_run(self, session_id: uuid.UUID, ruleset_version: str, tool_version: str) -> uuid.UUID:
        with self.session() as s:
            run = m.AnalysisRun(session_id=session_id, ruleset_version=ruleset_version, tool_version=tool_version, is_current=False)
            s.add(run)
            s.flush()
            return run.id

    def finish_run(
        self, run_id: uuid.UUID, findings: Sequence[Finding], *, stats: dict[str, Any], verdicts: dict[str, Any]
    ) -> None:
        """Store a run's findings and make it the session's current analysis, atomically."""
        from analyzer.analysis.findings import finding_json  # analysis imports the store: import late

        with self.session() as s:
            run = s.get(m.AnalysisRun, run_id)
            if run is None:
                raise StoreError("analysis run vanished")
            for i, f in enumerate(findings):
                s.add(
                    m.Finding(
                        id=f.id, run_id=run_id, session_id=run.session_id, ordinal=i, rule=f.rule,
                        phase=f.phase, pii_type=f.pii_type, flow_id=uuid.UUID(f.flow.id) if f.flow else None,
                        ts=dt.datetime.fromisoformat(f.ts), sdk=f.sdk, confidence=f.confidence,
                        data=storable_json(finding_json(f)),
                    )
                )
            s.execute(
                update(m.AnalysisRun)
                .where(m.AnalysisRun.session_id == run.session_id, m.AnalysisRun.id != run_id)
                .values(is_current=False)
            )
            run.is_current = True
            run.status = "done"
            run.finished_at = utcnow()
            run.stats = stats
            run.verdicts = verdicts

    def fail_run(self, run_id: uuid.UUID, reason: str) -> None:
        with self.session() as s:
            s.execute(
                update(m.AnalysisRun).where(m.AnalysisRun.id == run_id).values(status="failed", finished_at=utcnow(), stats={"error": reason})
            )

    def current_run(self, session_id: uuid.UUID) -> m.AnalysisRun | None:
        with self.session() as s:
            return s.scalar(
                select(m.AnalysisRun)
                .where(m.AnalysisRun.session_id == session_id, m.AnalysisRun.is_current.is_(True))
                .order_by(m.AnalysisRun.started_at.desc())
                .limit(1)
            )

    def runs(self, session_id: uuid.UUID) -> list[m.AnalysisRun]:
        with self.session() as s:
            return list(s.scalars(select(m.AnalysisRun).where(m.AnalysisRun.session_id == session_id).order_by(m.AnalysisRun.started_at)))

    def findings(self, run_id: uuid.UUID) -> list[Finding]:
        """A run's findings in report order, as the report's typed ``Finding``.

        Every finding of the run is read and validated: for a few fields of many findings
        (counts, the dashboard's lists) query the ``findings`` columns instead, as
        analyzer/web/queries.py and report/source.py do.
        """
        with self.session() as s:
            rows = list(s.scalars(select(m.Finding.data).where(m.Finding.run_id == run_id).order_by(m.Finding.ordinal)))
        return [Finding.model_validate(data) for data in rows]
