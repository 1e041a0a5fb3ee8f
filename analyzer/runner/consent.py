"""The consent driver: carries out the consent plan from outside the app, on the UI tree.

It works as a tester does: look at the screen (``dump_ui()``, the uiautomator tree), find
the privacy screen by its words (隐私政策 / 个人信息保护指引 / privacy ...), tick the
"我已阅读并同意" box when accepting, tap the button the plan calls for (centre of the
nearest clickable ancestor of the matched label), answer a second "are you sure"
dialog after a refusal as the plan says, and for a withdrawal walk the app's settings
(我的 → 设置 → 隐私设置 → 撤回同意). Screens that show late (after a splash) are found
by polling the tree with backoff until a deadline. The words come from a lexicon file
(analyzer/runner/lexicon.py). Only where the tree has no usable node does it fall
back to the in-process click through the hooks' RPC.

Every tap is evidence: the dump and a screenshot before and after it go to the
evidence sink (the session's store) with the device time, and each consent decision
becomes a ``consent`` event (source ``ui``) carrying the matched words, the tapped node
and those evidence hashes. Time and sleeping go through an injected clock, so the whole
driver runs in tests against recorded dumps without sleeping (docs/runner.md).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from analyzer.models.events import ConsentEvent, Event, LifecycleEvent, UiEvent
from analyzer.runner.consent_hooks import HookConsentDriver, clicked
from analyzer.runner.lexicon import Lexicon, load_lexicon
from analyzer.runner.plan import CHOICES, MAX_DELAY_S, ConsentPlan, parse_consent_plan
from analyzer.runner.uitree import UiNode, UiTree, parse_ui_dump

log = logging.getLogger(__name__)

__all__ = [
    "CHOICES", "MAX_DELAY_S", "ConsentDriver", "ConsentPlan", "HookConsentDriver", "RealClock", "Snapshot",
    "Stopped", "clicked", "parse_consent_plan", "shows_ui_tree",
]

FIND_TIMEOUT_S = 30.0  # how long a consent screen may take to show (splash screens, slow starts)
AFTER_TIMEOUT_S = 6.0  # how long the screen may take to settle after a tap
WITHDRAW_TIMEOUT_S = 30.0
SETTLE_S = 0.4  # a tap's effect is looked at this long after it
BACKOFF_S = (0.2, 0.4, 0.6, 0.8, 1.0)  # a dump costs ~0.3 s on the lab, 1-2 s over adb
MAX_TAPS = 40  # per run: a driver that loops on a screen must stop somewhere
HOOKS_HINT_GRACE_S = 3.0  # the hooks saw a dialog the tree does not show for this long: click in-process


class Stopped(Exception):
    """The session is ending: the driver stops where it is."""


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, *, wakeable: bool = False) -> None:
        """Wait; raises Stopped when the run ends meanwhile. A wakeable wait (polling the
        screen) also ends when a hint arrives; the plan's own delays never do."""


class RealClock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._stopped = False
        self._woken = False

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, *, wakeable: bool = False) -> None:
        end = time.monotonic() + max(0.0, seconds)
        with self._cond:
            while not self._stopped:
                left = end - time.monotonic()
                if wakeable and self._woken:
                    self._woken = False
                    return
                if left <= 0:
                    return
                self._cond.wait(left)
            raise Stopped()

    def wake(self) -> None:
        """End the current wait early (the hooks just saw a dialog)."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


class UiDevice(Protocol):
    """What the driver needs of a device (every DeviceBackend offers it)."""

    def dump_ui(self) -> str: ...

    def tap(self, x: int, y: int) -> None: ...

    def screenshot(self) -> bytes: ...

    def device_time(self) -> float: ...


@dataclass
class Snapshot:
    """One look at the screen: the dump (parsed), maybe a screenshot, the device time."""

    device_ts_ms: float
    xml: str | None = None
    tree: UiTree | None = None
    png: bytes | None = None
    error: str | None = None

    def signature(self) -> tuple[str, ...]:
        if self.tree is None:
            return ()
        return tuple(f"{n.label}@{n.bounds}:{n.checked}" for n in self.tree.nodes() if n.label or n.checkable)


# An evidence sink stores one look with the session and returns the content hashes it
# stored it under: {"dump": sha256, "screenshot": sha256}.
EvidenceSink = Callable[[int, str, Snapshot, str, dict[str, Any] | None], dict[str, str]]


@dataclass
class Button:
    kind: str
    rank: int  # position of the matched word in the lexicon list (lower is preferred)
    node: UiNode  # the node that carries the label
    target: UiNode | None  # where to tap

    @property
    def label(self) -> str:
        return self.node.label


@dataclass
class Screen:
    """What the driver reads on one dump."""

    tree: UiTree
    screen_words: list[str]
    buttons: dict[str, list[Button]] = field(default_factory=dict)

    def best(self, *kinds: str) -> Button | None:
        """The preferred button of the first kind that has one (enabled before disabled)."""
        for kind in kinds:
            found = sorted(self.buttons.get(kind, []), key=lambda b: (not b.node.enabled and not _enabled(b.target),
                                                                       b.rank))
            if found:
                return found[0]
        return None

    @property
    def is_consent(self) -> bool:
        return bool(self.screen_words) and bool(self.buttons.get("accept") or self.buttons.get("refuse"))


def _enabled(node: UiNode | None) -> bool:
    return node is not None and node.enabled


BUTTON_KINDS = ("accept", "refuse", "browse_only", "refuse_confirm", "withdraw", "withdraw_confirm", "withdraw_nav",
                "account_removal")


def read_screen(tree: UiTree, lexicon: Lexicon, package: str | None = None) -> Screen:
    """Find the consent words and the buttons of every kind on a dump (of ``package`` only, when given)."""
    nodes = [n for n in tree.nodes() if n.visible and (not package or not n.package or n.package == package)]
    words: list[str] = []
    for node in nodes:
        for word in lexicon.found_in("screen", node.label):
            if word not in words:
                words.append(word)
    labelled = [n for n in nodes if n.label]
    buttons: dict[str, list[Button]] = {}
    for node in labelled:
        for kind in BUTTON_KINDS:
            rank = lexicon.button_rank(kind, node.label)
            if rank is not None:
                buttons.setdefault(kind, []).append(Button(kind, rank, node, None))
    every_label = [b.node for found in buttons.values() for b in found]
    for found in buttons.values():
        for button in found:
            button.target = _tap_target(button.node, every_label)
    return Screen(tree, words, buttons)


def _tap_target(node: UiNode, button_labels: list[UiNode]) -> UiNode | None:
    """The nearest clickable ancestor, unless it also holds another button (a clickable dialog root)."""
    target = node.tap_target()
    if target is None or target is node:
        return target
    inside = set(target.descendants())
    if any(other is not node and other in inside for other in button_labels):
        return node if node.visible else None
    return target


def find_checkbox(screen: Screen, lexicon: Lexicon, package: str | None = None) -> UiNode | None:
    """The unticked "我已阅读并同意…" box of a consent screen, or None (absent or already ticked)."""
    nodes = [n for n in screen.tree.nodes() if n.visible and (not package or not n.package or n.package == package)]
    phrases = [n for n in nodes if lexicon.found_in("checkbox", n.label)]
    checkables = [n for n in nodes if n.checkable]
    if any(n.checked for n in checkables if n in phrases or _near(n, phrases)):
        return None
    for node in checkables:
        if not node.checked and (node in phrases or _near(node, phrases)):
            return node
    unticked = [n for n in checkables if not n.checked]
    if len(unticked) == 1 and not [n for n in checkables if n.checked]:
        return unticked[0]
    for phrase in phrases:  # an ImageView drawn as the box beside the sentence
        siblings = phrase.parent.children if phrase.parent else []
        for sib in siblings:
            if sib is not phrase and sib.clickable and not sib.label and sib.visible:
                return sib
    return None


def _near(node: UiNode, phrases: list[UiNode]) -> bool:
    """Same row: the box and the sentence share a parent (or the box holds the sentence)."""
    for phrase in phrases:
        if node.parent is not None and node.parent is phrase.parent:
            return True
        if phrase in set(node.descendants()):
            return True
    return False


class ConsentDriver:
    """Runs one consent plan against a device's UI; ``run()`` on its own thread, ``stop()`` to end it."""

    def __init__(
        self,
        plan: ConsentPlan,
        device: UiDevice,
        emit: Callable[[ConsentEvent], None],
        *,
        package: str | None = None,
        lexicon: Lexicon | None = None,
        clock: Clock | None = None,
        evidence: EvidenceSink | None = None,
        note: Callable[[str], None] = lambda msg: None,
        hooks: Any = None,
        withdraw_fallback: Callable[[], Any] | None = None,
        find_timeout_s: float = FIND_TIMEOUT_S,
        withdraw_timeout_s: float = WITHDRAW_TIMEOUT_S,
        settle_s: float = SETTLE_S,
        withdraw_via_ui: bool = True,
        device_now_ms: Callable[[], float] | None = None,
    ) -> None:
        self.plan = plan
        # The session's clock estimate (offset measured against the app's own clock) is
        # preferred over asking the device each time: it is what hook events are timed on.
        self.device_now_ms = device_now_ms
        self.device = device
        self.emit = emit
        self.package = package
        self.lexicon = lexicon or load_lexicon()
        self.clock = clock or RealClock()
        self.evidence = evidence
        self.note = note
        self.hooks = hooks
        self.withdraw_fallback = withdraw_fallback
        self.find_timeout_s = find_timeout_s
        self.withdraw_timeout_s = withdraw_timeout_s
        self.settle_s = settle_s
        self.withdraw_via_ui = withdraw_via_ui
        self.done_clicks: list[str] = []  # positive, negative, browse_only, refuse_confirm, withdraw, ...
        self.problems: list[str] = []
        self.steps: list[dict[str, Any]] = []
        self.finished = threading.Event()
        self.marks: dict[str, float] = {}  # "consent_screen" / "consent_done" -> clock.monotonic()
        self._hooks_dialog: tuple[float, list[str]] | None = None  # (when, texts) of the hooks' last dialog
        self._last_dump_error: str | None = None
        self._screen_seen = False
        self._thread: threading.Thread | None = None
        # when the last look that found nothing to act on began; None while the driver acts
        self._idle_look_at: float | None = None

    # -- control --------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="consentry-consent", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        stop = getattr(self.clock, "stop", None)
        if stop is not None:
            stop()
        if self._thread is not None:
            self._thread.join(5)

    def observe(self, event: Event) -> None:
        """Hook events: a dialog or a new screen the hooks saw is a hint to look now (and the fallback's cue)."""
        if isinstance(event, UiEvent) and event.action == "dialog_shown":
            self._hooks_dialog = (self.clock.monotonic(), [t for t in [event.text, *event.texts] if t])
        elif not (isinstance(event, LifecycleEvent) and event.state == "foreground"):
            return
        wake = getattr(self.clock, "wake", None)
        if wake is not None:
            wake()

    def settled(self, since: float) -> bool:
        """The plan is done, or the driver has nothing planned and a look at the screen that
        began at or after ``since`` found nothing to act on (analyzer/runner/quiet.py)."""
        if self.finished.is_set():
            return True
        looked = self._idle_look_at
        return looked is not None and looked >= since

    def look_now(self) -> None:
        """End the current wait between two looks (the app just went quiet)."""
        wake = getattr(self.clock, "wake", None)
        if wake is not None:
            wake()

    def finish_marks(self) -> None:
        """Nothing is held back: every mark is written when its tap is verified."""

    def run(self) -> None:
        try:
            self._run()
        except Stopped:
            if not self._screen_seen:
                self._problem("no consent screen found before the session ended")
        except Exception as exc:  # noqa: BLE001 - a driver failure is a problem of the run, not a crash
            log.debug("consent driver failed", exc_info=True)
            self._problem(f"consent driver stopped: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        finally:
            self.marks.setdefault("consent_done", self.clock.monotonic())
            self.finished.set()

    # -- the plan ---------------------------------------------------------------------------
    def _run(self) -> None:
        screen, snap = self._wait_for_consent(self.find_timeout_s)
        if screen is None:
            self._no_consent_screen()
            return
        self._mark_shown(screen, snap)
        choice = self.plan.choice
        if choice == "none":
            return
        if choice == "accept-after":
            self._idle_look_at = None
            self.clock.sleep(self.plan.delay_s)
            screen, snap = self._wait_for_consent(AFTER_TIMEOUT_S)
            if screen is None:
                self._problem(f"the consent screen was gone {self.plan.delay_s:g}s after it showed: nothing to accept")
                return
        if choice == "refuse":
            self._refuse(screen, snap)
            return
        if not self._accept(screen, snap):
            return
        if choice == "withdraw-after":
            self._idle_look_at = None
            self.clock.sleep(self.plan.delay_s)
            self._withdraw()

    def _no_consent_screen(self) -> None:
        hint = self._hooks_dialog
        if hint is not None and self.hooks is not None and self.plan.choice in ("accept", "accept-after", "refuse", "withdraw-after"):
            # The hooks saw a dialog that the tree never showed (secure window, no accessibility nodes).
            which = "negative" if self.plan.choice == "refuse" else "positive"
            self._hooks_click(which, "granted" if which == "positive" else "refused", hint[1])
            return
        why = f" (last UI dump error: {self._last_dump_error})" if self._last_dump_error else ""
        self._problem(f"no consent screen found within {self.find_timeout_s:g}s{why}")

    # -- accept -------------------------------------------------------------------------------
    def _accept(self, screen: Screen, snap: Snapshot) -> bool:
        mark_pending: dict[str, Any] | None = None
        last_unchanged = False
        for _ in range(4):
            box = find_checkbox(screen, self.lexicon, self.package)
            if box is not None:
                _, after = self._tap(box, "tick", snap, words=self.lexicon.found_in("checkbox", _row_text(box)))
                if after.tree is not None:
                    screen, snap = read_screen(after.tree, self.lexicon, self.package), after
                    if find_checkbox(screen, self.lexicon, self.package) is not None:
                        self.note("consent: the agreement box did not tick; pressing accept anyway")
            button = screen.best("accept")
            if button is None:
                break
            if button.target is None:
                return self._hooks_click("positive", "granted", [button.label])
            tap = self._tap(button.target, "accept", snap, words=[*screen.screen_words, button.label], label=button.label)
            ts, after = tap
            unchanged = after.tree is not None and after.signature() == snap.signature()
            if mark_pending is None or last_unchanged:
                # The grant is the first tap that did something (a disabled button's tap is not one).
                mark_pending = self._decision("granted", button, screen, tap)
            last_unchanged = unchanged
            next_screen = read_screen(after.tree, self.lexicon, self.package) if after.tree is not None else None
            if next_screen is None or not next_screen.is_consent:
                self._emit(mark_pending)
                self.done_clicks.append("positive")
                return True
            if unchanged:
                self.note(f"consent: tapping {button.label!r} changed nothing; trying again")
            screen, snap = next_screen, after  # a second consent screen, or the same one not yet gone
        if mark_pending is not None:
            self._emit(mark_pending)
            self.done_clicks.append("positive")
            self._problem("the consent screen stayed after accepting it (tapped accept; check the screenshots)")
            return True
        return self._hooks_click("positive", "granted", screen.screen_words)

    # -- refuse -------------------------------------------------------------------------------
    def _refuse(self, screen: Screen, snap: Snapshot) -> None:
        button = screen.best("refuse", "browse_only")
        if button is None or button.target is None:
            self._hooks_click("negative", "refused", [button.label] if button else screen.screen_words)
            return
        ts, after = self._tap(button.target, "refuse", snap, words=[*screen.screen_words, button.label], label=button.label)
        self._emit(self._decision("refused", button, screen, (ts, after)))
        self.done_clicks.append("negative" if button.kind == "refuse" else "browse_only")
        order = ("browse_only", "refuse_confirm", "refuse") if self.plan.refuse_with == "browse" else (
            "refuse_confirm", "refuse", "browse_only")
        for _ in range(3):  # "are you sure?" dialogs, answered as the plan says
            if after.tree is None:
                return
            followup = read_screen(after.tree, self.lexicon, self.package)
            answer = followup.best(*order)
            if answer is None or answer.target is None:
                return
            before = after
            _, after = self._tap(answer.target, answer.kind, before, words=[answer.label], label=answer.label)
            self.done_clicks.append(answer.kind)
            self.note(f"consent: second refusal dialog answered with {answer.label!r}")

    # -- withdraw -----------------------------------------------------------------------------
    def _withdraw(self) -> None:
        if self.withdraw_via_ui:
            deadline = self.clock.monotonic() + self.withdraw_timeout_s
            visited: list[str] = []
            while self.clock.monotonic() < deadline and len(self.steps) < MAX_TAPS:
                snap = self._look_until(lambda s: s, min(AFTER_TIMEOUT_S, max(deadline - self.clock.monotonic(), 0.1)))
                if snap is None:
                    break
                screen = read_screen(snap.tree, self.lexicon, self.package)
                button = screen.best("withdraw", "account_removal")
                if button is not None and button.target is not None:
                    self._withdraw_at(button, screen, snap)
                    return
                nav = next((b for b in sorted(screen.buttons.get("withdraw_nav", []), key=lambda b: b.rank)
                            if b.target is not None and b.label not in visited), None)
                if nav is None:
                    break
                visited.append(nav.label)
                self._tap(nav.target, "navigate", snap, words=[nav.label], label=nav.label)
            self.note(f"consent: no withdraw button reached through {' → '.join(visited) or 'the first screen'}")
            if self.hooks is not None:
                for word in self.lexicon.withdraw[:3]:
                    if self._hooks_click_view(word):
                        return
        if self.withdraw_fallback is not None:
            before = self.device.device_time()
            try:
                result = self.withdraw_fallback()
            except Exception as exc:  # noqa: BLE001
                self._problem(f"could not withdraw through the SDK consent APIs: {exc}")
                return
            if clicked(result):
                self.done_clicks.append("withdraw-sdk")
                self.note("consent: no withdraw button; withdrew through the SDK consent APIs")
                self.emit(ConsentEvent(ts=before, action="withdrawn", source="ui", text="sdk consent APIs", via="sdk-api-call"))
                return
        self._problem("could not withdraw consent: no withdraw button found in the app's settings")

    def _withdraw_at(self, button: Button, screen: Screen, snap: Snapshot) -> None:
        tap = self._tap(button.target, "withdraw", snap, words=[button.label], label=button.label)
        decision = self._decision("withdrawn", button, screen, tap)
        self._emit(decision)
        self.done_clicks.append("withdraw")
        after = tap[1]
        for _ in range(2):  # "确定撤回?" confirmation
            if after.tree is None:
                return
            confirm = read_screen(after.tree, self.lexicon, self.package).best("withdraw_confirm")
            if confirm is None or confirm.target is None or confirm.node.bounds == button.node.bounds:
                return
            _, after = self._tap(confirm.target, "withdraw_confirm", after, words=[confirm.label], label=confirm.label)
            self.done_clicks.append("withdraw_confirm")

    # -- looking ------------------------------------------------------------------------------
    def _look(self, *, screenshot: bool = False) -> Snapshot:
        # Timed when the dump is back: what it shows was on screen by then (never earlier).
        snap = Snapshot(device_ts_ms=0.0)
        try:
            snap.xml = self.device.dump_ui()
            snap.tree = parse_ui_dump(snap.xml)
        except Exception as exc:  # noqa: BLE001 - DeviceError, adb errors, bad XML: look again later
            snap.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if snap.error != self._last_dump_error:
                self.note(f"consent: UI dump failed: {snap.error}")
            self._last_dump_error = snap.error
        snap.device_ts_ms = self._device_time()
        if screenshot:
            self._add_screenshot(snap)
        return snap

    def _add_screenshot(self, snap: Snapshot) -> None:
        if snap.png is not None:
            return
        try:
            snap.png = self.device.screenshot()
        except Exception as exc:  # noqa: BLE001 - evidence is best effort; the dump still counts
            self.note(f"consent: screenshot failed: {str(exc).splitlines()[0] if str(exc) else exc}")

    def _look_until(self, accept: Callable[[Snapshot], Any], timeout_s: float):
        """Poll the dump with backoff until ``accept(snapshot)`` is truthy; its value, or None at the deadline."""
        deadline = self.clock.monotonic() + timeout_s
        attempt = 0
        while True:
            started = self.clock.monotonic()
            snap = self._look()
            if snap.tree is not None:
                found = accept(snap)
                if found:
                    self._idle_look_at = None
                    return found
                self._idle_look_at = started
            if self.clock.monotonic() >= deadline:
                return None
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            self.clock.sleep(min(delay, max(deadline - self.clock.monotonic(), 0.0)) or 0.01, wakeable=True)
            attempt += 1

    def _wait_for_consent(self, timeout_s: float) -> tuple[Screen | None, Snapshot | None]:
        def consent_screen(snap: Snapshot):
            screen = read_screen(snap.tree, self.lexicon, self.package)
            return (screen, snap) if screen.is_consent else None

        found = self._look_until(consent_screen, timeout_s)
        return found if found else (None, None)

    # -- acting -------------------------------------------------------------------------------
    def _tap(self, node: UiNode, purpose: str, before: Snapshot, *, words: list[str], label: str = "") -> tuple[float, Snapshot]:
        """Tap the node's centre with evidence before and after; returns (device ts of the tap, the look after)."""
        if len(self.steps) >= MAX_TAPS:
            raise Stopped()
        step = len(self.steps) + 1
        self._add_screenshot(before)
        before_refs = self._store(step, "before", before, purpose, node)
        x, y = node.centre
        ts = self._device_time()
        self.device.tap(x, y)
        self.clock.sleep(self.settle_s)
        after = self._look(screenshot=True)
        after_refs = self._store(step, "after", after, purpose, node)
        record = {"step": step, "purpose": purpose, "label": label or node.label, "matched": words, "x": x, "y": y,
                  "ts": ts, "node": node.describe(), "before": before_refs, "after": after_refs}
        self.steps.append(record)
        self.note(f"consent: tapped {label or node.label or node.cls!r} ({purpose}) at {x},{y}")
        return ts, after

    def _store(self, step: int, phase: str, snap: Snapshot, purpose: str, node: UiNode | None) -> dict[str, str]:
        if self.evidence is None:
            return {}
        try:
            return self.evidence(step, phase, snap, purpose, node.describe() if node is not None else None)
        except Exception as exc:  # noqa: BLE001 - a store hiccup must not stop the consent flow
            self._problem(f"could not store UI evidence: {str(exc).splitlines()[0] if str(exc) else exc}")
            return {}

    def _decision(self, action: str, button: Button, screen: Screen, tap: tuple[float, Snapshot]) -> dict[str, Any]:
        ts, _ = tap
        step = self.steps[-1]
        return {"ts": ts, "action": action, "text": button.label, "matched": [*screen.screen_words, button.label],
                "node": step["node"], "evidence": {"step": step["step"], "before": step["before"], "after": step["after"]}}

    def _emit(self, decision: dict[str, Any]) -> None:
        self.emit(ConsentEvent(source="ui", via="ui-tree", **decision))

    def _mark_shown(self, screen: Screen, snap: Snapshot) -> None:
        self._screen_seen = True
        self.marks.setdefault("consent_screen", self.clock.monotonic())
        self._add_screenshot(snap)
        refs = self._store(0, "shown", snap, "shown", None)
        texts = [n.label for n in screen.tree.nodes() if n.label and n.visible
                 and (not self.package or not n.package or n.package == self.package)]
        self.note(f"consent: consent screen found ({', '.join(screen.screen_words[:3])})")
        self.emit(ConsentEvent(ts=snap.device_ts_ms, action="shown", source="ui", via="ui-tree",
                               text=" / ".join(texts)[:2000], matched=list(screen.screen_words),
                               evidence={"step": 0, "shown": refs}))

    def _hooks_click(self, which: str, action: str, matched: list[str]) -> bool:
        """The tree has no usable node: click in-process through the hooks (on the app's main thread)."""
        if self.hooks is None:
            self._problem(f"could not press the {which} consent button: no usable node in the UI tree and no hooks")
            return False
        ts = self._device_time()
        try:
            result = self.hooks.click_dialog(which)
        except Exception as exc:  # noqa: BLE001
            self._problem(f"could not click the dialog's {which} button through the hooks: {str(exc).splitlines()[0] if str(exc) else exc}")
            return False
        if not clicked(result):
            self._problem(f"could not click the dialog's {which} button: the hooks found nothing to click")
            return False
        self.done_clicks.append(which)
        self.note(f"consent: clicked the dialog's {which} button in-process (no usable node in the UI tree)")
        self.emit(ConsentEvent(ts=ts, action=action, source="ui", via="hooks-rpc", matched=matched or None,
                               text=(result.get("text") if isinstance(result, dict) else None)))
        return True

    def _hooks_click_view(self, text: str) -> bool:
        ts = self._device_time()
        try:
            result = self.hooks.click_view(text)
        except Exception as exc:  # noqa: BLE001
            log.debug("click_view failed: %s", exc)
            return False
        if not clicked(result):
            return False
        self.done_clicks.append("withdraw")
        self.note(f"consent: clicked {text!r} in-process (not reachable in the UI tree)")
        self.emit(ConsentEvent(ts=ts, action="withdrawn", source="ui", via="hooks-rpc", text=text, matched=[text]))
        return True

    def _device_time(self) -> float:
        if self.device_now_ms is not None:
            return float(self.device_now_ms())
        try:
            return float(self.device.device_time())
        except Exception:  # noqa: BLE001 - the workstation clock is the best remaining guess
            return time.time() * 1000.0

    def _problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)
        self.note(message)


def _row_text(node: UiNode) -> str:
    """The sentence next to a box (its own label, else its row's)."""
    if node.label:
        return node.label
    siblings = node.parent.children if node.parent else []
    return " ".join(s.label for s in siblings if s.label)


def shows_ui_tree(backend: Any) -> bool:
    """Whether the device offers its UI tree (the backend implements ``dump_ui``)."""
    from analyzer.devices.base import DeviceBackend

    method = getattr(type(backend), "dump_ui", None)
    return method is not None and method is not DeviceBackend.dump_ui
