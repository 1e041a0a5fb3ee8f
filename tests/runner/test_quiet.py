"""When a session ends (analyzer/runner/quiet.py): as soon as every sign of activity has been
absent for QUIET_S, never after a fixed wait, and never while a flow is in flight, the hooks
still hold events or the consent driver has something planned. Time is an injected clock."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import pytest

from analyzer.runner.quiet import QUIET_S, Activity, QuietEnd, activity_record, quiet_since, read_activity_file

POLL_S = 0.05


@dataclass
class App:
    """What the runner sees of an app, on a clock the test moves."""

    now: float = 0.0
    busy_until: float = 0.0  # the device says the app works until then
    events: list[float] = field(default_factory=list)  # when hook events arrive
    flows: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of each flow
    can_tell: bool = True
    held_events: int = 0  # events the hooks batch until a flush
    left_at: float | None = None
    finished_at: float | None = None
    flushes: int = 0

    def observe(self) -> Activity:
        quiet = None if not self.can_tell else max(0.0, self.now - self.busy_until)
        in_flight = sum(1 for start, end in self.flows if start <= self.now < end)
        changes = [t for flow in self.flows for t in flow if t <= self.now]
        arrived = [t for t in self.events if t <= self.now]
        return Activity(device_quiet_s=quiet, flows_in_flight=in_flight,
                        last_flow_change=max(changes) if changes else None,
                        last_event=max(arrived) if arrived else 0.0)

    def flush(self) -> int:
        self.flushes += 1
        held, self.held_events = self.held_events, 0
        if held:
            self.events.append(self.now)
        return held

    def leave(self) -> bool:
        self.left_at = self.now
        self.busy_until = max(self.busy_until, self.now + 0.5)  # the app's background work
        return True

    def finish(self) -> None:
        self.finished_at = self.now


def ending(app: App, *, settled=lambda since: True, looks: list | None = None) -> QuietEnd:
    looks = looks if looks is not None else []
    return QuietEnd(observe=app.observe, driver_settled=settled, look_now=lambda: looks.append(app.now),
                    flush_hooks=app.flush, leave=app.leave, finish=app.finish, clock=lambda: app.now)


def run(app: App, end: QuietEnd, until: float = 120.0) -> None:
    while app.now < until and not end.step():
        app.now = round(app.now + POLL_S, 6)


def test_the_session_ends_within_the_quiet_window_of_the_last_event_not_after_a_fixed_wait():
    app = App(busy_until=2.0, events=[0.4, 1.1, 2.0])
    run(app, ending(app))
    assert app.left_at == pytest.approx(2.0 + QUIET_S, abs=POLL_S + 1e-9)
    # Home starts background work (0.5 s); the app ends once that is quiet too
    assert app.finished_at == pytest.approx(app.left_at + 0.5 + QUIET_S, abs=POLL_S + 1e-9)


def test_a_late_hook_event_restarts_the_quiet_window():
    app = App(busy_until=1.0, events=[1.0, 1.2])
    run(app, ending(app))
    assert app.left_at >= 1.2 + QUIET_S


def test_an_in_flight_flow_keeps_the_session_going_though_the_device_is_quiet():
    app = App(busy_until=0.5, flows=[(0.2, 5.0)])
    run(app, ending(app))
    assert app.left_at >= 5.0 + QUIET_S
    assert app.left_at == pytest.approx(5.0 + QUIET_S, abs=POLL_S + 1e-9)


def test_events_the_hooks_still_batch_are_flushed_before_the_user_leaves():
    app = App(busy_until=1.0, held_events=3)
    run(app, ending(app))
    first_flush_at = 1.0 + QUIET_S
    assert app.left_at >= first_flush_at + QUIET_S, "the flushed events restart the quiet window"


def test_the_driver_is_asked_to_look_and_the_user_stays_until_it_is_settled():
    app = App(busy_until=1.0)
    looks: list[float] = []
    settled_after = 3.0
    run(app, ending(app, settled=lambda since: app.now >= settled_after and since <= app.now, looks=looks))
    assert looks and looks[0] == pytest.approx(1.0 + QUIET_S, abs=POLL_S + 1e-9)
    assert app.left_at == pytest.approx(settled_after, abs=POLL_S + 1e-9)


def test_a_device_that_cannot_tell_never_ends_the_session_this_way():
    app = App(can_tell=False)
    run(app, ending(app), until=30.0)
    assert app.left_at is None and app.finished_at is None


def test_quiet_since_is_the_latest_sign_of_activity():
    activity = Activity(device_quiet_s=3.0, flows_in_flight=0, last_flow_change=8.0, last_event=9.0)
    assert quiet_since(activity, now=10.0) == 9.0
    assert quiet_since(Activity(3.0, 0, 9.5, 1.0), now=10.0) == 9.5
    assert quiet_since(Activity(0.5, 0, None, 1.0), now=10.0) == 9.5
    assert quiet_since(Activity(3.0, 1, None, 1.0), now=10.0) is None
    assert quiet_since(Activity(3.0, None, None, 1.0), now=10.0) is None, "an unreadable record is busy"


def test_a_torn_or_missing_activity_record_reads_as_unknown(tmp_path):
    path = tmp_path / "activity"
    assert read_activity_file(path) == (None, None)
    path.write_bytes(activity_record(2, 5_000_000_000))
    assert read_activity_file(path) == (2, 5.0)
    path.write_bytes(b"1 5000000000 2 5000000000\n")
    assert read_activity_file(path) == (None, None)
    path.write_bytes(activity_record(0, 0))
    assert read_activity_file(path) == (0, None)


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self):  # noqa: N802 - http.server's name
        self.release.wait(30)
        body = b"done"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _wait_for(path, in_flight: int, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = read_activity_file(path)
        if got[0] == in_flight:
            return got
        time.sleep(0.02)
    raise AssertionError(f"the record never said {in_flight} in flight: {read_activity_file(path)}")


def test_the_proxy_counts_a_flow_in_flight_until_its_response(tmp_path):
    from analyzer.capture.proxy import start_proxy
    from analyzer.resources import addon_script

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    record = tmp_path / "activity"
    proxy = start_proxy(None, "quiet-test", confdir=tmp_path / "conf", extra_scripts=[addon_script("flow_activity.py")],
                        extra_options={"consentry_activity_file": str(record)})
    try:
        assert _wait_for(record, 0) == (0, None)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy.url}))
        answer: list[bytes] = []
        client = threading.Thread(
            target=lambda: answer.append(opener.open(f"http://127.0.0.1:{server.server_port}/slow", timeout=30).read()))
        client.start()
        _, started = _wait_for(record, 1)
        assert quiet_since(Activity(10.0, 1, started, 0.0), now=time.monotonic()) is None
        _SlowHandler.release.set()
        client.join(30)
        assert answer == [b"done"]
        _, finished = _wait_for(record, 0)
        assert finished >= started
    finally:
        _SlowHandler.release.set()
        proxy.stop()
        server.shutdown()


class _WatchingClock:
    """The driver's clock; at every wait it notes whether the driver would let the user leave."""

    def __init__(self) -> None:
        from tests.runner.fake_ui import FakeClock

        self.inner = FakeClock()
        self.driver = None
        self.waits: list[tuple[float, float, bool, bool]] = []  # (now, seconds, settled since 0, since now)

    def monotonic(self) -> float:
        return self.inner.monotonic()

    def sleep(self, seconds: float, *, wakeable: bool = False) -> None:
        now = self.inner.now
        self.waits.append((now, seconds, self.driver.settled(0.0), self.driver.settled(now + 1e-6)))
        self.inner.sleep(seconds, wakeable=wakeable)


def _driver(plan: str, start: str, transitions=None, **kw):
    from analyzer.runner.consent import ConsentDriver, parse_consent_plan
    from tests.runner.fake_ui import FakePhoneUi

    clock = _WatchingClock()
    phone = FakePhoneUi(clock.inner, start, transitions)
    driver = ConsentDriver(parse_consent_plan(plan), phone, lambda e: None, package="com.example.shop", clock=clock, **kw)
    clock.driver = driver
    return driver, clock


def test_a_driver_still_looking_for_its_screen_is_settled_only_by_a_look_after_the_quiet_began():
    driver, clock = _driver("accept", "launcher", find_timeout_s=5.0)
    driver.run()
    assert clock.waits and all(settled_before for _, _, settled_before, _ in clock.waits), \
        "a look found nothing: quiet that began before it may end the run"
    assert not any(settled_after for _, _, _, settled_after in clock.waits), \
        "quiet that began after the last look needs another look"
    assert driver.settled(clock.monotonic() + 100), "a finished driver is settled"


def test_a_driver_waiting_to_withdraw_is_not_settled():
    from tests.runner.test_consent_ui import SHOP

    driver, clock = _driver("withdraw-after=20", "shop_dialog", SHOP)
    driver.run()
    plan_delay = [w for w in clock.waits if w[1] == 20]
    assert plan_delay and not plan_delay[0][2], "the plan's own delay: the user stays"
    assert "withdraw" in driver.done_clicks
