"""Live campaign progress on the terminal, read from the store (so it works for any station).

On a TTY: a rich progress bar (jobs done of all) with the running jobs and their stations.
Otherwise: one line per job whose state changed, so CI logs stay readable.
"""

from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analyzer.campaign import state as st
from analyzer.store.models_campaign import FINAL_JOB_STATES, Campaign

POLL_S = 1.0


class CampaignProgress:
    def __init__(self, store, campaign: Campaign, *, console: Console | None = None, quiet: bool = False) -> None:
        self.store = store
        self.campaign = campaign
        self.console = console or Console(stderr=True)
        self.quiet = quiet
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> "CampaignProgress":
        if not self.quiet and self.console.is_terminal:
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.fields[running]}"), console=self.console)
            self._task = self._bar.add_task(f"campaign {escape(self.campaign.name)}", total=None, running="")
            self._bar.start()
        self.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        self.refresh()
        if self._bar is not None:
            self._bar.stop()

    def refresh(self) -> bool:
        """Read the jobs once and show what changed; True when every job is final."""
        with self._lock:
            jobs = st.jobs_of(self.store, self.campaign)
            done = sum(1 for j in jobs if j.state in FINAL_JOB_STATES)
            if self._bar is not None:
                running = ", ".join(f"#{j.ordinal} {j.plan}@{j.station}" for j in jobs if j.state == "running")
                self._bar.update(self._task, total=len(jobs), completed=done, running=escape(running[:80]))
            elif not self.quiet:
                for job in jobs:
                    if self._seen.get(str(job.id)) != job.state:
                        where = f" on {job.station}" if job.station and job.state in ("running", "analysing") else ""
                        why = f": {job.error}" if job.error and job.state in ("failed", "queued") else ""
                        self.console.print(f"[{done}/{len(jobs)}] #{job.ordinal} {escape(job.app)} {escape(job.plan)}: "
                                           f"{job.state}{escape(where)}{escape(why[:200])}", soft_wrap=True, highlight=False)
            for job in jobs:
                self._seen[str(job.id)] = job.state
            return bool(jobs) and done == len(jobs)

    def wait_until_done(self, timeout: float | None) -> bool:
        deadline = time.monotonic() + timeout if timeout else None
        while not self.refresh():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(POLL_S)
        return True
