"""One device session end to end: proxy, gated spawn with hooks, consent, clean stop.

Order matters and is the point of this module:

1. the session row exists before anything records into it;
2. the proxy (capture addon) listens before the app may send anything;
3. the app is spawned held at its gate; the clock offset is measured and stored
   before the first hook event is written (the store corrects event times with it);
4. the agent loads, the gate opens, and only then do the hooks report ready: on ART the
   Java bridge installs them when the resumed app is bound, before its Application code
   runs (docs/runner.md), so waiting for "ready" before resuming would never end. The
   app's other processes (":push") are held at their start, hooked and resumed the same
   way, their events recorded under this session with the process name;
5. the session ends on app exit, ``--duration``, a Frida detach, a dead proxy or
   SIGINT/SIGTERM; every path flushes hooks, the writer and the proxy, undoes device
   changes, and sets a status that says why it ended.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from analyzer.devices.base import AppProcess, AppTarget, DeviceBackend, DeviceError, LaunchOptions, PermissionPolicy, RunningApp
from analyzer.models.events import ConsentEvent, Event
from analyzer.runner.clock import ClockEstimate, estimate_offset, frida_clock_probe
from analyzer.runner.appstate import prepare_app_state
from analyzer.runner.consent import ConsentDriver, ConsentPlan, HookConsentDriver, shows_ui_tree
from analyzer.runner.inbox import CallbackInbox
from analyzer.runner.progress import Progress
from analyzer.runner.proxy_start import Background, free_loopback_port, proxy_ca_if_made
from analyzer.runner.quiet import Activity, QuietEnd, read_activity_file
from analyzer.runner.status import EndSignals, decide_status
from analyzer.store.types import utcnow

log = logging.getLogger(__name__)

POLL_S = 0.1
FLOW_POLL_S = 0.5  # live progress reads new flows from the store this often
HOOKS_READY_TIMEOUT_S = 30.0
DONE_EXIT_WAIT_S = 5.0
START_TIMEOUT_S = 90.0


class RunError(Exception):
    """The run could not start (one line); nothing half-done is left on the device."""


class ProxyStartError(RunError):
    pass


@dataclass
class RunConfig:
    device: str
    app: str
    consent: ConsentPlan
    duration_s: float | None = None
    canary: bool = False
    canary_seed: str | None = None
    session_name: str | None = None
    analyze: bool = True
    replay_server: str | None = None
    replay_unmatched: str = "kill"
    dialog_timeout_ms: int = 8000
    batch_ms: int = 250
    stack_depth: int = 12
    confdir: str | None = None
    withdraw_via: str = "ui"  # ui: the app's withdraw button, SDK APIs if none; sdk: the SDK APIs only
    inject_ca: bool = False  # usb: mount the proxy CA into the app's CA store for this run
    permissions: PermissionPolicy = field(default_factory=PermissionPolicy)  # --apk installs grant these
    keep_data: bool = False  # default: the app's data is cleared before the run (pm clear)
    lexicon: str | None = None  # a lexicon file extending the consent driver's words
    consent_timeout_s: float = 30.0  # how long the consent screen may take to show
    # the session ends once the app is quiet and the plan is done (docs/runner.md "When a run
    # ends"); False: only when the app ends on its own (the lab's idle timer), --duration, ...
    end_when_quiet: bool = True
    # mitmdump and the app start at the same time when the proxy CA exists (False: in turn)
    start_alongside: bool = True


@dataclass
class RunResult:
    session_name: str
    status: str
    status_detail: str
    target: AppTarget
    clock: ClockEstimate | None = None
    exit_code: int | None = None
    received: dict[str, int] = field(default_factory=dict)  # hook events delivered, by type
    stored: dict[str, Any] = field(default_factory=dict)  # store.counts() at the end
    app_counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    replay_unmatched: int | None = None  # replay runs: requests with no recorded response
    analysis: Any = None
    marks: dict[str, float] = field(default_factory=dict)  # phase -> seconds since the session row was made


def default_session_name(store, target: AppTarget, plan: ConsentPlan) -> str:
    base = re.sub(r"[^A-Za-z0-9_.@=-]+", "-", f"{target.scenario or target.package}-{plan.spec}")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"{base}-{stamp}"
    n = 2
    while store.find_session(name) is not None:
        name = f"{base}-{stamp}-{n}"
        n += 1
    return name


class SessionRunner:
    def __init__(
        self,
        store,
        config: RunConfig,
        backend: DeviceBackend,
        *,
        progress: Progress | None = None,
        hooks_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.backend = backend
        self.progress = progress or Progress(quiet=True)
        self._hooks_factory = hooks_factory
        self.hooks: Any = None
        self.other_hooks: list[Any] = []  # the app's other processes (":push"), one agent each
        self.app: RunningApp | None = None
        self.proxy: Any = None
        self.writer: Any = None
        self.driver: ConsentDriver | HookConsentDriver | None = None
        self.lexicon = None
        self.clock: ClockEstimate | None = None
        self.received: collections.Counter[str] = collections.Counter()  # events the hooks delivered
        self.runner_events: collections.Counter[str] = collections.Counter()  # events the runner added
        self.network_stats: dict[str, Any] = {}
        self.problems: list[str] = []
        self._start_error: str | None = None
        self._interrupted: str | None = None
        self._detach_reason: str | None = None
        self._we_detach = False
        self._last_event_at = time.monotonic()  # when the last hook event arrived (quiet detection)
        self._activity_file: Path | None = None  # the proxy's flows-in-flight record
        self._quiet_stop = False  # the app was quiet but the device could not end it
        self._route: tuple[str, int, Path | None] | None = None  # where the device's traffic goes
        self._wake = threading.Event()
        self._last_flow_seq = 0
        # Frida's callbacks only enqueue; this thread runs them (store writes, driver, output)
        self.inbox = CallbackInbox()
        self._t0 = time.monotonic()
        self.marks: dict[str, float] = {}  # when each phase ended (benchmarks/lab_session.py)

    def _mark(self, phase: str) -> None:
        self.marks.setdefault(phase, round(time.monotonic() - self._t0, 4))

    # -- control from other threads / signal handlers ----------------------------------------
    def request_stop(self, why: str = "SIGINT") -> None:
        """Ask the run to stop as if interrupted (safe from a signal handler)."""
        if self._interrupted is None:
            self._interrupted = why
        self._wake.set()

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> RunResult:
        cfg = self.config
        try:
            target = self._target()
            device_info = self.backend.describe()
            self.lexicon = _load_lexicon(cfg.lexicon)
            state_notes = prepare_app_state(self.backend, target, cfg.consent, keep_data=cfg.keep_data)
        except (DeviceError, RunError) as exc:
            self.backend.close()
            raise RunError(str(exc)) from None
        self.problems.extend(state_notes)
        name = cfg.session_name or default_session_name(self.store, target, cfg.consent)
        if self.store.find_session(name) is not None:
            self.backend.close()
            raise RunError(f"a session named {name!r} already exists: pick another --session")
        meta = {
            "runner": {"consent_plan": cfg.consent.spec, "duration_s": cfg.duration_s, "canary": cfg.canary,
                       "scenario": target.scenario, "replay_server": cfg.replay_server},
        }
        canary = self._canary(name)
        if canary:
            meta["runner"]["canary_values"] = canary
        session = self.store.create_session(
            name, app=(target.package, target.version), device=device_info, consent_choice=cfg.consent.spec,
            status="recording", meta=meta, first_party_domains=target.first_party_domains,
        )
        self.session_name, self.session_id = name, session.id
        self._t0 = time.monotonic()
        self.progress.start(f"session {name}: {target.package} {target.version} on {device_info.get('kind')}, consent {cfg.consent.spec}")
        signals = EndSignals()
        exit_code: int | None = None
        started = threading.Event()
        threading.Thread(target=self._start_watchdog, args=(started,), name="consentry-start-watchdog", daemon=True).start()
        try:
            self._start(target, canary)
            started.set()
            signals = self._wait_for_end()
            self._mark("ended")
        except Exception as exc:  # noqa: BLE001 - any failure to start still ends the session cleanly
            started.set()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if not isinstance(exc, (DeviceError, RunError)):
                reason = f"{type(exc).__name__}: {reason}"
            self.problems.append(reason)
            signals = EndSignals(interrupted=self._interrupted)
            self._start_error = reason
            if isinstance(exc, ProxyStartError):
                signals.proxy_failed = reason
        finally:
            exit_code = self._shutdown(signals)
            self._mark("shutdown")
        if self._start_error and not (signals.interrupted or signals.proxy_failed):
            status, detail = "error", f"the session did not start: {self._start_error}"
        else:
            signals.exit_code = exit_code if signals.exit_code is None else signals.exit_code
            status, detail = decide_status(signals)
        if self.problems and status == "finished":
            detail += "; " + "; ".join(self.problems[:3])
        self.progress.stop()
        row = self.store.get_session(name)
        run_meta = dict(row.meta or {})
        run_meta.setdefault("runner", {}).update({
            "received_events": dict(self.received),
            "runner_events": dict(self.runner_events),
            "network": self.network_stats,
            "app_counts": self.app.counts() if self.app else {},
            "exit_code": exit_code,
            "problems": self.problems,
            "clock": self.clock.as_meta() if self.clock else None,
            "consent_clicks": list(self.driver.done_clicks) if self.driver else [],
        })
        self.store.update_session(name, status=status, status_detail=detail, ended_at=utcnow(), meta=run_meta)
        result = RunResult(
            session_name=name, status=status, status_detail=detail, target=target, clock=self.clock,
            exit_code=exit_code, received=dict(self.received), stored=self.store.counts(session.id),
            app_counts=self.app.counts() if self.app else {}, problems=list(self.problems),
        )
        if cfg.replay_server:
            from analyzer.runner.flows import flows_after
            from analyzer.runner.server_replay import is_unmatched

            result.replay_unmatched = sum(1 for *_, error in flows_after(self.store, session.id, 0, limit=None) if is_unmatched(error))
        if cfg.analyze and status != "error":
            result.analysis = self._analyze(name)
            self._mark("analysed")
        result.marks = self._all_marks()
        return result

    def _all_marks(self) -> dict[str, float]:
        """The runner's phase marks plus the consent driver's (screen found, plan done)."""
        marks = dict(self.marks)
        for phase, at in (getattr(self.driver, "marks", None) or {}).items():
            marks[phase] = round(at - self._t0, 4)
        return marks

    def _start_watchdog(self, started: threading.Event) -> None:
        """Frida and JVM start-up calls cannot be interrupted: end the app to unblock them."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not started.wait(POLL_S):
            if self._interrupted or time.monotonic() > deadline:
                if not self._interrupted:
                    self.problems.append(f"the app did not start within {START_TIMEOUT_S:.0f}s")
                if self.app is not None:
                    try:
                        self.app.stop(1)
                    except Exception:  # noqa: BLE001
                        pass
                return

    def _canary(self, name: str) -> dict[str, str] | None:
        if not self.config.canary:
            return None
        from analyzer.hooks.canary import make_canary

        return make_canary(self.config.canary_seed or name)

    def _start(self, target: AppTarget, canary: dict[str, str] | None) -> None:
        from analyzer.capture.proxy import ProxyError, start_proxy
        from analyzer.store.writer import BatchWriter

        plan = self.backend.proxy_plan()
        scripts = list(plan.extra_scripts)
        options: dict[str, Any] = {"consentry_owns_status": False, **plan.extra_options}
        if self.config.end_when_quiet:
            from analyzer.resources import addon_script

            self._activity_file = Path(tempfile.mkdtemp(prefix="consentry-run-")) / "flow-activity"
            scripts.append(str(addon_script("flow_activity.py")))
            options["consentry_activity_file"] = str(self._activity_file)
        if self.config.replay_server:
            from analyzer.runner.server_replay import server_replay_setup

            replay_scripts, replay_options = server_replay_setup(
                self.store, self.config.replay_server, unmatched=self.config.replay_unmatched
            )
            scripts += replay_scripts
            options.update(replay_options)

        def start() -> Any:
            try:
                return start_proxy(self.store.url, self.session_name, confdir=self.config.confdir, port=port,
                                   extra_scripts=scripts, extra_options=options)
            except ProxyError as exc:
                raise ProxyStartError(f"the proxy did not start: {exc}") from None

        # mitmdump and the app start at the same time when the proxy's CA exists already (the
        # device must trust it from its start): the app waits at its gate, released only once
        # the proxy listens. A confdir used for the first time gets its CA from mitmdump: in turn.
        # The app starts on the other thread: mitmdump dies with the thread that started it.
        self.writer = BatchWriter(self.store, self.session_id, interval=0.25)
        ca = proxy_ca_if_made(self.config.confdir) if self.config.start_alongside else None
        port = free_loopback_port() if ca is not None else 0
        if ca is not None:
            self._route = ("127.0.0.1", port, ca)
            self.backend.route_traffic(*self._route)
            app_start = Background(lambda: self._spawn_and_hook(target, canary), name="consentry-app-start")
        try:
            self.proxy = start()
        except BaseException:
            if ca is not None:
                self._app_started(app_start)  # so that shutdown stops it
            raise
        self._mark("proxy")
        if ca is None:
            self._route = (self.proxy.host, self.proxy.port, self.proxy.ca_cert_path)
            self.backend.route_traffic(*self._route)
            self._spawn_and_hook(target, canary)
        else:
            app_start.result()
        self.progress.note(f"proxy listening on {self.proxy.host}:{self.proxy.port}")
        self._update_runner_meta(pid=self.app.pid, proxy=f"{self.proxy.host}:{self.proxy.port}",
                                 proxy_pid=self.proxy.process.pid)
        # Resume first: on ART the Java bridge only becomes usable once the app is bound,
        # which happens after resume (docs/hooks.md), so waiting for readiness before
        # resuming would deadlock.
        self.app.release()
        self._last_event_at = time.monotonic()
        self._mark("released")
        self.progress.note("app released from its start gate")
        try:
            ready = self.hooks.wait_ready(HOOKS_READY_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - HookSessionError or a detach
            raise RunError(f"hooks not ready: {exc}") from None
        self._mark("hooks_ready")
        self.progress.note(f"hooks ready: {getattr(ready, 'targets', '?')} targets")
        if isinstance(self.driver, ConsentDriver):
            self.driver.start()

    @staticmethod
    def _app_started(app_start: Background) -> None:
        """Waits for the app's start after the proxy failed: the proxy's failure is reported."""
        try:
            app_start.result()
        except Exception:  # noqa: BLE001 - the app is stopped at shutdown either way
            pass

    def _spawn_and_hook(self, target: AppTarget, canary: dict[str, str] | None) -> None:
        """The app held at its gate, its clock offset measured and the agent loaded."""
        self.app = self.backend.spawn(target, LaunchOptions(dialog_timeout_ms=self.config.dialog_timeout_ms,
                                                            extra={"child_gating": True, "keep_data": self.config.keep_data}))
        self._mark("spawned")
        self._measure_clock()
        self._mark("clock")
        self.hooks = self._open_hooks(canary)
        self._mark("hooks_loaded")
        self.driver = self._consent_driver(target)
        if self._watch_other_processes(target.package, canary):
            self.progress.note("the app's other processes are held at their start and hooked")

    def _target(self) -> AppTarget:
        """``--apk FILE`` is installed with the run's permission policy; ``--app`` names an app."""
        path = Path(self.config.app)
        if path.suffix in (".apk", ".jar") and path.is_file():
            return self.backend.install(path, self.config.permissions)
        return self.backend.resolve_app(self.config.app)

    def _consent_driver(self, target: AppTarget):
        """The plan is carried out on the UI tree; only a device without one uses the hooks' clicks."""
        withdraw_via_ui = self.config.withdraw_via != "sdk"
        if not shows_ui_tree(self.backend):
            return HookConsentDriver(
                self.config.consent, self.hooks, self._record_runner_event,
                device_now_ms=self._device_now_ms, note=self._driver_note,
                withdraw_fallback=self._withdraw_via_sdk_apis, withdraw_via_ui=withdraw_via_ui,
            )
        from analyzer.store.ui_evidence import evidence_sink

        return ConsentDriver(
            self.config.consent, self.backend, self._record_runner_event, package=target.package,
            lexicon=self.lexicon, evidence=evidence_sink(self.store, self.session_id), note=self._driver_note,
            hooks=self.hooks, withdraw_fallback=self._withdraw_via_sdk_apis, withdraw_via_ui=withdraw_via_ui,
            find_timeout_s=self.config.consent_timeout_s,
            device_now_ms=self._device_now_ms if self.clock is not None else None,
        )

    def _open_hooks(self, canary: dict[str, str] | None, process: AppProcess | None = None):
        config = {"canary": canary, "batch_ms": self.config.batch_ms, "stack_depth": self.config.stack_depth,
                  "proxy_ca_pem": self._proxy_ca_pem()}
        target = process or self.app
        on_detached = self.inbox.deliver(self._on_detached if process is None else self._on_other_detached)
        on_event, on_protocol = self.inbox.deliver(self._on_event), self.inbox.deliver(self._on_protocol)
        if process is not None:
            config["process"] = process.name
        if self._hooks_factory is not None:
            hooks = self._hooks_factory(target, config, on_event, on_protocol, on_detached)
        else:
            from analyzer.hooks import HookSession

            hooks = HookSession(target.pid, device=target.frida_device, config=config, on_event=on_event,
                                on_protocol=on_protocol, on_detached=on_detached)
        try:
            hooks.load()
        except Exception as exc:  # noqa: BLE001
            raise RunError(f"could not load the hooks: {exc}") from None
        return hooks

    def _proxy_ca_pem(self) -> str | None:
        """The proxy's CA certificate for the unpinning hooks (they let only its chains pass)."""
        path = self._route[2] if self._route else None
        try:
            return Path(path).read_text(encoding="ascii") if path else None
        except (OSError, UnicodeDecodeError):
            self.problems.append(f"the proxy CA {path} is not readable: unpinning falls back to the device's trust store")
            return None

    def _watch_other_processes(self, package: str, canary: dict[str, str] | None) -> bool:
        """Child gating through the device: RunningApp.watch_processes, or the lab device's
        on_child/resume_child (docs/labdevice.md: each android:process is a JVM held at its
        start gate until resumed)."""
        def hook(process: AppProcess) -> None:
            self._hook_other_process(process, canary)

        if self.app.watch_processes(hook):
            return True
        on_child, resume_child = getattr(self.app, "on_child", None), getattr(self.app, "resume_child", None)
        if not (callable(on_child) and callable(resume_child)):
            return False
        device = self.app.frida_device

        def on_lab_child(child: Any) -> None:
            name = child.name[len(package):] if child.name.startswith(package + ":") else child.name
            process = AppProcess(pid=child.pid, name=name, frida_device=device,
                                 resume=lambda pid=child.pid: resume_child(pid))
            # on the app's stdout reader thread: attaching blocks, so not here
            threading.Thread(target=hook, args=(process,), name=f"consentry-hook-{child.pid}", daemon=True).start()

        on_child(on_lab_child)
        return True

    def _hook_other_process(self, process: AppProcess, canary: dict[str, str] | None) -> None:
        """Loads the agent into another app process held at its start, then resumes it.
        A process that cannot be hooked still runs (noted), as on an unhooked phone."""
        try:
            self.other_hooks.append(self._open_hooks(canary, process))
            self.progress.note(f"hooks loaded into process {process.name} (pid {process.pid})")
        except RunError as exc:
            self.problems.append(f"process {process.name} not hooked: {exc}")
        finally:
            process.resume()

    def _on_other_detached(self, reason: str) -> None:
        """A secondary process ending does not end the session (the main process does)."""

    def _measure_clock(self) -> None:
        try:
            session = self.app.frida_device.attach(self.app.pid)
            probe, unload = frida_clock_probe(session)
        except Exception as exc:  # noqa: BLE001 - without it the session keeps offset 0, uncertainty noted
            self.problems.append(f"clock offset not measured: {exc}")
            return
        try:
            self.clock = estimate_offset(probe, rounds=8)
        except Exception as exc:  # noqa: BLE001
            self.problems.append(f"clock offset not measured: {exc}")
        finally:
            unload()
            try:
                session.detach()
            except Exception:  # noqa: BLE001
                pass
        if self.clock is not None:
            self.store.update_session(self.session_name, clock_offset_ms=self.clock.offset_ms,
                                      clock_uncertainty_ms=self.clock.uncertainty_ms)
            self.progress.note(f"device clock offset {self.clock.offset_ms:+.1f} ms (± {self.clock.uncertainty_ms:.1f} ms)")

    def _update_runner_meta(self, **values: Any) -> None:
        row = self.store.get_session(self.session_name)
        meta = dict(row.meta or {})
        meta["runner"] = {**meta.get("runner", {}), **values}
        self.store.update_session(self.session_name, meta=meta)

    def _device_now_ms(self) -> float:
        return time.time() * 1000.0 + (self.clock.offset_ms if self.clock else 0.0)

    def _withdraw_via_sdk_apis(self) -> dict[str, Any]:
        from analyzer.runner.withdraw import withdraw_via_sdk_apis

        result = withdraw_via_sdk_apis(self.app.frida_device, self.app.pid)
        called = [r["sdk"] for r in result.get("results", []) if r.get("called")]
        self.progress.note(f"consent APIs called with 'off': {', '.join(called) or 'none present'}")
        return result

    # -- callbacks (the inbox thread: Frida's thread only enqueues them) -------------------------
    def _on_event(self, event: Event) -> None:
        self._last_event_at = time.monotonic()
        self.received[event.type] += 1
        self.writer.put_event(event, received_at=utcnow(), origin="hook")
        if self.driver is not None:
            self.driver.observe(event)
        self.progress.event(event)

    def _record_runner_event(self, event: ConsentEvent) -> None:
        self.runner_events[event.type] += 1
        self.writer.put_event(event, received_at=utcnow(), origin="hook")
        self.progress.event(event)

    def _on_protocol(self, message: Any) -> None:
        mtype = getattr(message, "type", "")
        if mtype == "hooks:error" or mtype == "unparsed":
            text = getattr(message, "message", "") or getattr(message, "reason", "")
            self.progress.note(f"hooks: {mtype}: {text}"[:200])

    def _on_detached(self, reason: str) -> None:
        if not self._we_detach:
            self._detach_reason = reason
            self._wake.set()

    def _driver_note(self, message: str) -> None:
        self.progress.note(message)

    # -- waiting for the end -----------------------------------------------------------------------
    def _wait_for_end(self) -> EndSignals:
        deadline = time.monotonic() + self.config.duration_s if self.config.duration_s else None
        signals = EndSignals()
        next_flow_poll = 0.0
        quiet_end = self._quiet_end() if self.config.end_when_quiet else None
        while True:
            self._wake.wait(POLL_S)
            self._wake.clear()
            if quiet_end is not None and quiet_end.step():
                self._mark("quiet_end")
                quiet_end = None
            if self._quiet_stop:
                signals.quiet = True
                break
            if time.monotonic() >= next_flow_poll:
                self._poll_flows()
                next_flow_poll = time.monotonic() + FLOW_POLL_S
            if self._interrupted:
                signals.interrupted = self._interrupted
                break
            if self.proxy is not None and not self.proxy.alive:
                signals.proxy_failed = f"mitmdump exited ({self.proxy.process.returncode}): {self.proxy.log_tail(3)[-200:]}"
                break
            if self.app.finished_normally():
                signals.finished_normally = True
                break
            code = self.app.exit_code()
            if code is not None:
                signals.exit_code = code
                break
            if self._detach_reason:
                signals.detach_reason = self._detach_reason
                break
            if deadline is not None and time.monotonic() >= deadline:
                signals.duration_elapsed = True
                break
        if signals.finished_normally:
            self._wait_exit(DONE_EXIT_WAIT_S)
        elif signals.detach_reason in ("process-terminated", "process-replaced"):
            self._wait_exit(2.0)
            signals.exit_code = self.app.exit_code()
        if self._detach_reason and not signals.detach_reason:
            signals.detach_reason = self._detach_reason
        code = self.app.exit_code()
        signals.app_alive = code is None
        if code is not None:
            signals.exit_code = code
        return signals

    # -- ending when the app is quiet (analyzer/runner/quiet.py) -----------------------------------
    def _quiet_end(self) -> QuietEnd:
        driver = self.driver
        return QuietEnd(
            observe=self._activity,
            driver_settled=getattr(driver, "settled", lambda since: True),
            look_now=getattr(driver, "look_now", lambda: None),
            flush_hooks=self._flush_for_quiet,
            leave=self._leave,
            finish=self._finish_quiet,
        )

    def _activity(self) -> Activity:
        in_flight, changed = read_activity_file(self._activity_file) if self._activity_file else (None, None)
        quiet_ms = self.app.quiet_ms()
        return Activity(device_quiet_s=None if quiet_ms is None else quiet_ms / 1000.0, flows_in_flight=in_flight,
                        last_flow_change=changed, last_event=self._last_event_at)

    def _flush_for_quiet(self) -> int:
        """Events the hooks still batch, sent and handled now; how many there were."""
        sent = 0
        for hooks in [self.hooks, *self.other_hooks]:
            if hooks is not None and not getattr(hooks, "detached", False):
                try:
                    sent += int(hooks.flush() or 0)
                except Exception as exc:  # noqa: BLE001 - a process that is ending: its events arrive anyway
                    log.debug("hooks flush: %s", exc)
        self.inbox.drain()
        return sent

    def _leave(self) -> bool:
        left = self.app.leave()
        if left:
            self.progress.note("the app is quiet: the user leaves it (Home)")
        return left

    def _finish_quiet(self) -> None:
        self.progress.note("the app is quiet: ending it")
        if not self.app.finish():
            self._quiet_stop = True

    def _wait_exit(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        while self.app.exit_code() is None and time.monotonic() < end:
            time.sleep(0.05)

    def _poll_flows(self) -> None:
        from analyzer.runner.flows import flows_after

        try:
            rows = flows_after(self.store, self.session_id, self._last_flow_seq)
        except Exception:  # noqa: BLE001 - progress only
            return
        for seq, method, url, status, error in rows:
            self._last_flow_seq = seq
            self.progress.flow(method, url, status, error)

    # -- shutdown ----------------------------------------------------------------------------------
    def _shutdown(self, signals: EndSignals) -> int | None:
        """Flush and stop everything; each step runs even if an earlier one failed."""
        steps = [
            ("flush the hooks", self._flush_hooks),
            ("stop the app", self._stop_app),
            ("handle the hooks' last messages", self._close_inbox),
            ("write pending consent marks", self._finish_consent),
            ("stop the proxy", self._stop_proxy),
            ("read the network counters", self._read_network_stats),
            ("write the remaining events", self._close_writer),
            ("restore the device", self.backend.close),
            ("remove the flow-activity record", self._remove_activity_file),
        ]
        for what, step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - keep going: later steps protect data too
                self.problems.append(f"could not {what}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        self._poll_flows()
        return self.app.exit_code() if self.app else None

    def _remove_activity_file(self) -> None:
        if self._activity_file is not None:
            shutil.rmtree(self._activity_file.parent, ignore_errors=True)

    def _flush_hooks(self) -> None:
        for hooks in self.other_hooks:
            if not getattr(hooks, "detached", False):
                try:
                    hooks.flush()
                except Exception as exc:  # noqa: BLE001 - that process may be exiting right now
                    log.debug("hooks flush (other process): %s", exc)
        if self.hooks is None or getattr(self.hooks, "detached", False):
            return
        if self.app is not None and self.app.exit_code() is None:
            try:
                self.hooks.flush()
            except Exception as exc:  # noqa: BLE001 - the app may be exiting right now
                log.debug("hooks flush: %s", exc)

    def _stop_app(self) -> None:
        self._we_detach = True
        for hooks in self.other_hooks:
            hooks.unload()
        if self.hooks is not None:
            self.hooks.unload()
        if self.app is not None:
            self.app.stop()

    def _close_inbox(self) -> None:
        """Every message the agents sent before unloading has been handled (and queued for the store)."""
        if not self.inbox.drain():
            self.problems.append("the hooks' messages were still being handled at the end of the run")
        self.inbox.close()
        self.problems.extend(f"hook callback failed: {e}" for e in self.inbox.errors[:5])

    def _finish_consent(self) -> None:
        if self.driver is not None:
            self.driver.stop()
            self.driver.finish_marks()
            self.problems.extend(p for p in self.driver.problems if p not in self.problems)

    def _stop_proxy(self) -> None:
        if self.proxy is not None:
            self.proxy.stop()

    def _read_network_stats(self) -> None:
        self.network_stats = self.backend.network_stats()

    def _close_writer(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()
            self.problems.extend(self.writer.errors)

    # -- analysis ------------------------------------------------------------------------------------
    def _analyze(self, name: str):
        from analyzer.analysis import analyze_session

        try:
            return analyze_session(self.store, name)
        except Exception as exc:  # noqa: BLE001 - the recording stays; analysis can be re-run
            self.problems.append(f"analysis failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__} "
                                 f"(re-run with `consentry analyze {name}`)")
            return None


def _load_lexicon(path: str | None):
    from analyzer.runner.lexicon import LexiconError, load_lexicon

    try:
        return load_lexicon(path)
    except LexiconError as exc:
        raise RunError(str(exc)) from None
