"""The consent plan of a run: what the simulated user does with the app's privacy screen.

``--consent`` is one of accept, refuse, none (look, do not touch), accept-after=S (accept
S seconds after the screen shows), withdraw-after=S (accept, then withdraw S seconds
later through the app's settings). ``refuse`` takes browse-only mode when the app offers
it after the refusal; ``refuse=exit`` insists (仍不同意 / 退出) instead (docs/runner.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHOICES = ("accept", "refuse", "none", "accept-after", "withdraw-after")
REFUSE_FOLLOWUPS = ("browse", "exit")
MAX_DELAY_S = 24 * 3600


@dataclass(frozen=True)
class ConsentPlan:
    choice: str
    delay_s: float = 0.0
    refuse_with: str = "browse"  # refuse only: what to pick in a second "are you sure" dialog

    @property
    def spec(self) -> str:
        if self.choice in ("accept-after", "withdraw-after"):
            return f"{self.choice}={self.delay_s:g}"
        if self.choice == "refuse" and self.refuse_with != "browse":
            return f"refuse={self.refuse_with}"
        return self.choice

    @property
    def clicks_positive(self) -> bool:
        return self.choice in ("accept", "accept-after", "withdraw-after")

    @property
    def expectation_key(self) -> str:
        """The key of a scenario expectation this plan exercises."""
        return {"accept-after": "accept", "withdraw-after": "withdraw"}.get(self.choice, self.choice)


def parse_consent_plan(text: str) -> ConsentPlan:
    """Parse ``--consent``; raises ValueError with a one-line reason."""
    raw = (text or "").strip().lower()
    if raw in ("accept", "refuse", "none"):
        return ConsentPlan(raw)
    if raw == "withdraw":
        return ConsentPlan("withdraw-after", 1.0)
    m = re.fullmatch(r"refuse=(browse|exit)", raw)
    if m is not None:
        return ConsentPlan("refuse", refuse_with=m.group(1))
    m = re.fullmatch(r"(accept-after|withdraw-after)=(\d+(?:\.\d+)?)s?", raw)
    if m is None:
        raise ValueError(
            "--consent must be accept, refuse, refuse=browse|exit, none, accept-after=SECONDS or "
            f"withdraw-after=SECONDS, got {text!r}"
        )
    delay = float(m.group(2))
    if delay > MAX_DELAY_S:
        raise ValueError(f"--consent delay {delay:g}s is longer than {MAX_DELAY_S}s")
    return ConsentPlan(m.group(1), delay)
