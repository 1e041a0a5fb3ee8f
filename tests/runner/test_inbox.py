"""The runner's inbox: calls handed in from other threads run on its one thread, in order."""

from __future__ import annotations

import threading

from analyzer.runner.inbox import CallbackInbox


def test_calls_from_many_threads_run_in_order_on_one_thread_and_drain_waits_for_them():
    inbox = CallbackInbox()
    seen: list[tuple[int, int, threading.Thread]] = []
    gate = threading.Event()

    def record(producer: int, n: int) -> None:
        gate.wait(5)  # held until every producer has handed its calls in
        seen.append((producer, n, threading.current_thread()))

    handler = inbox.deliver(record)
    producers = [threading.Thread(target=lambda p=p: [handler(p, n) for n in range(200)]) for p in range(4)]
    for t in producers:
        t.start()
    for t in producers:
        t.join()
    assert not inbox.drain(timeout=0.05)  # still held: drain says so instead of returning early
    gate.set()
    assert inbox.drain(timeout=10)
    assert len(seen) == 800 and {t for _, _, t in seen} == {inbox.thread}
    for p in range(4):
        assert [n for q, n, _ in seen if q == p] == list(range(200))  # each producer's order kept
    inbox.close()
    assert not inbox.thread.is_alive()


def test_a_failing_callback_is_noted_and_the_next_ones_still_run():
    inbox = CallbackInbox()
    ran: list[str] = []

    def broken(_: str) -> None:
        raise ValueError("bad payload")

    inbox.deliver(broken)("x")
    inbox.deliver(ran.append)("after")
    assert inbox.drain(timeout=10)
    assert ran == ["after"] and inbox.errors == ["broken raised ValueError: bad payload"]
    inbox.close()


def test_an_inbox_never_used_starts_no_thread():
    inbox = CallbackInbox()
    assert inbox.drain(timeout=0.1)
    inbox.close()
    assert inbox.thread.ident is None
