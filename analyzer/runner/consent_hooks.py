"""The in-process consent path: clicks through the hooks' RPC, driven by the hooks' ``ui`` events.

This is the fallback of the consent driver (analyzer/runner/consent.py): it runs the
whole plan when the device cannot show its UI tree, and single clicks where the tree
has no usable node. The hooks report dialogs (``ui`` events) and click on the app's
main thread; what the user did becomes ``consent`` events (source ``ui``, ``via``
``hooks``) with the device timestamp of the click the hooks saw, unless the hooks
already reported the same consent change themselves.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any, Callable, Protocol

from analyzer.models.events import ConsentEvent, Event, UiEvent
from analyzer.runner.plan import ConsentPlan

log = logging.getLogger(__name__)

WITHDRAW_BUTTON_TEXT = "撤回同意"

# Button texts that carry a consent decision (compared case-insensitively, trimmed).
_TEXT_ACTIONS = {
    "granted": ("同意", "我同意", "同意并继续", "agree", "i agree", "accept", "accept all", "allow"),
    "refused": ("不同意", "拒绝", "disagree", "refuse", "reject", "reject all", "decline", "deny"),
    "withdrawn": (WITHDRAW_BUTTON_TEXT, "撤销同意", "withdraw", "withdraw consent"),
}
ACTION_OF_TEXT = {t.casefold(): action for action, texts in _TEXT_ACTIONS.items() for t in texts}
# How long a click's consent mark waits for the hooks' own consent event (they batch).
DEDUP_GRACE_S = 0.8
DEDUP_WINDOW_MS = 3000.0


def clicked(result: Any) -> bool:
    """A click RPC's answer: a bool, or a dict like {"clicked": bool, ...}."""
    if isinstance(result, dict):
        return bool(result.get("clicked"))
    return result is not False and result is not None


class Clicker(Protocol):
    def click_dialog(self, which: str) -> Any: ...

    def click_view(self, text: str) -> Any: ...


class HookConsentDriver:
    """Turns ``ui`` events into clicks per the plan, and clicks into consent events.

    ``observe`` is called from the runner's inbox thread (analyzer/runner/inbox.py); clicks run on the driver's
    own thread so a slow RPC never stalls event recording.
    """

    def __init__(
        self,
        plan: ConsentPlan,
        clicker: Clicker,
        emit: Callable[[ConsentEvent], None],
        *,
        device_now_ms: Callable[[], float] = lambda: time.time() * 1000.0,
        note: Callable[[str], None] = lambda msg: None,
        withdraw_fallback: Callable[[], Any] | None = None,
        withdraw_retry_s: float = 3.0,
        withdraw_via_ui: bool = True,
    ) -> None:
        self.plan = plan
        self.clicker = clicker
        self.emit = emit
        self.device_now_ms = device_now_ms
        self.note = note
        self.withdraw_fallback = withdraw_fallback
        self.withdraw_retry_s = withdraw_retry_s
        self.withdraw_via_ui = withdraw_via_ui
        self.dialog_seen = threading.Event()
        self.done_clicks: list[str] = []  # "positive", "negative", "withdraw", "withdraw-sdk"
        self.problems: list[str] = []
        self._hook_consent: list[tuple[str, float]] = []  # (action, device ts) the hooks reported
        self._ui_consent: list[tuple[str, float]] = []
        self._pending_marks: dict[str, tuple[float, str]] = {}  # action -> (pre-click ts, text)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._tasks: list[tuple[float, int, bool, Callable[[], None]]] = []  # (due, n, is_mark, task)
        self._counter = itertools.count()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="consentry-consent", daemon=True)
        self._thread.start()

    # -- inputs ------------------------------------------------------------------------
    def observe(self, event: Event) -> None:
        if isinstance(event, ConsentEvent):
            with self._lock:
                self._hook_consent.append((event.action, event.ts))
            return
        if not isinstance(event, UiEvent):
            return
        if event.action == "dialog_shown" and not self.dialog_seen.is_set():
            self.dialog_seen.set()
            self._on_dialog()
        elif event.action == "click":
            action = ACTION_OF_TEXT.get((event.text or "").strip().casefold())
            if action:
                with self._lock:
                    self._ui_consent.append((action, event.ts))
                self._later(DEDUP_GRACE_S, lambda: self._mark(action, event.ts, event.text or "", seen=True), mark=True)

    def _on_dialog(self) -> None:
        choice = self.plan.choice
        if choice == "accept":
            self._later(0, lambda: self._click_dialog("positive"))
        elif choice == "refuse":
            self._later(0, lambda: self._click_dialog("negative"))
        elif choice == "accept-after":
            self._later(self.plan.delay_s, lambda: self._click_dialog("positive"))
        elif choice == "withdraw-after":
            self._later(0, lambda: self._click_dialog("positive", then_withdraw=True))

    # -- actions (driver thread) ----------------------------------------------------------
    def _click_dialog(self, which: str, then_withdraw: bool = False) -> None:
        action = "granted" if which == "positive" else "refused"
        before = self.device_now_ms()
        if not self._try(lambda: self.clicker.click_dialog(which), f"click the dialog's {which} button"):
            return
        self.done_clicks.append(which)
        self.note(f"consent: clicked the dialog's {which} button")
        self._later(DEDUP_GRACE_S * 2, lambda: self._mark_unseen(action, before, ""), mark=True)
        if then_withdraw:
            self._later(self.plan.delay_s, lambda: self._withdraw(time.monotonic() + self.withdraw_retry_s))

    def _withdraw(self, give_up_at: float) -> None:
        before = self.device_now_ms()
        ok = False
        if self.withdraw_via_ui:
            try:
                ok = self.clicker.click_view(WITHDRAW_BUTTON_TEXT)
            except Exception as exc:  # noqa: BLE001 - RPC errors are reported, not raised
                log.debug("click_view failed: %s", exc)
        if clicked(ok):
            self.done_clicks.append("withdraw")
            self.note(f"consent: clicked {WITHDRAW_BUTTON_TEXT!r}")
            self._later(DEDUP_GRACE_S * 2, lambda: self._mark_unseen("withdrawn", before, WITHDRAW_BUTTON_TEXT), mark=True)
            return
        if self.withdraw_via_ui and time.monotonic() < give_up_at:
            self._later(0.25, lambda: self._withdraw(give_up_at))
            return
        if self.withdraw_fallback is not None and self._try(self.withdraw_fallback, "withdraw through the SDK consent APIs"):
            self.done_clicks.append("withdraw-sdk")
            self.note("consent: no withdraw button; withdrew through the SDK consent APIs")
            self._later(DEDUP_GRACE_S * 2, lambda: self._mark_unseen("withdrawn", before, "sdk consent APIs"), mark=True)
            return
        self.problems.append(f"could not withdraw consent: no view with text {WITHDRAW_BUTTON_TEXT!r}")
        self.note(self.problems[-1])

    def _try(self, call: Callable[[], Any], what: str) -> bool:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001
            self.problems.append(f"could not {what}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            self.note(self.problems[-1])
            return False
        if not clicked(result):
            self.problems.append(f"could not {what}: the hooks found nothing to click")
            self.note(self.problems[-1])
            return False
        return True

    def _mark(self, action: str, ts: float, text: str, *, seen: bool) -> None:
        """Record a consent event unless the hooks (or an earlier mark) already did."""
        with self._lock:
            reported = any(a == action and abs(t - ts) <= DEDUP_WINDOW_MS for a, t in self._hook_consent)
            if reported:
                return
            self._hook_consent.append((action, ts))
        extra = {"via": "hooks"} if seen else {"via": "hooks-rpc"}
        self.emit(ConsentEvent(ts=ts, action=action, source="ui", text=text or None, **extra))

    def _mark_unseen(self, action: str, before_ts: float, text: str) -> None:
        """The click worked but the hooks reported no click: mark it at the click time."""
        with self._lock:
            seen = any(a == action and t >= before_ts - DEDUP_WINDOW_MS for a, t in self._ui_consent)
        if not seen:
            self._mark(action, before_ts, text, seen=False)

    # -- the driver thread ----------------------------------------------------------------
    def _later(self, delay_s: float, task: Callable[[], None], *, mark: bool = False) -> None:
        with self._cond:
            heapq.heappush(self._tasks, (time.monotonic() + delay_s, next(self._counter), mark, task))
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._tasks or self._tasks[0][0] > time.monotonic()):
                    wait = None if not self._tasks else max(self._tasks[0][0] - time.monotonic(), 0)
                    self._cond.wait(wait)
                if self._stopped:
                    return
                _, _, _, task = heapq.heappop(self._tasks)
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - one failed action must not stop the driver
                log.warning("consent driver: %s", exc)

    def pending(self) -> bool:
        with self._lock:
            return bool(self._tasks)

    def settled(self, since: float) -> bool:
        """The dialog was handled and nothing is planned (analyzer/runner/quiet.py)."""
        return self.dialog_seen.is_set() and not self.pending()

    def look_now(self) -> None:
        """Nothing to do: this driver acts on the hooks' events, not on looks."""

    def finish_marks(self) -> None:
        """Write the consent marks still in their grace period; drop clicks not yet due.

        Called at session end, after the last hook events were received.
        """
        with self._cond:
            marks = sorted(t for t in self._tasks if t[2])
            self._tasks = []
        for _, _, _, task in marks:
            try:
                task()
            except Exception as exc:  # noqa: BLE001
                log.warning("consent driver: %s", exc)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join(2)
