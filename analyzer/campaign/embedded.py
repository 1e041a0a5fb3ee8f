"""Campaigns without a broker: the same job code on local devices, one thread per device.

A local queue stands in for the broker: each device thread takes the next job, runs
``jobs.run_job`` and then ``jobs.analyse_job`` itself, and puts a job that must wait
(its app is on another device) or try again back at the end of the queue.
"""

from __future__ import annotations

import collections
import socket
import threading
import time
from typing import Callable

from analyzer.campaign import jobs
from analyzer.campaign import state as st
from analyzer.devices import DeviceError, parse_device_spec
from analyzer.store.models_campaign import Campaign

IDLE_S = 0.5
MAX_DEVICES = 64


class EmbeddedError(Exception):
    pass


def parse_devices(text: str) -> list[str]:
    """``lab,lab,usb:SERIAL`` -> device specs; a USB serial may be named once only."""
    specs = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not specs:
        raise EmbeddedError("--devices names no device")
    if len(specs) > MAX_DEVICES:
        raise EmbeddedError(f"--devices names more than {MAX_DEVICES} devices")
    for spec in specs:
        try:
            kind, serial = parse_device_spec(spec)
        except DeviceError as exc:
            raise EmbeddedError(str(exc)) from None
        if kind == "usb" and specs.count(spec) > 1:
            raise EmbeddedError(f"{spec} is named twice in --devices: one phone runs one session at a time")
    return specs


def run_embedded(store, campaign: Campaign, devices: list[str], *, lease_ttl_s: float = 60.0,
                 on_change: Callable[[], object] | None = None, station_prefix: str | None = None) -> dict[str, int]:
    """Run every pending or queued job of the campaign on ``devices``; returns jobs handled per station."""
    todo = st.jobs_of(store, campaign, ["pending", "queued", "running", "analysing"])
    st.mark_queued(store, [j.id for j in todo])
    queue: collections.deque = collections.deque(j.id for j in todo)
    lock = threading.Condition()
    outstanding = [len(queue)]
    handled: dict[str, int] = {}
    prefix = station_prefix or f"{socket.gethostname()}-local"
    stations = [jobs.Station(name=f"{prefix}-{i + 1}-{spec}", device=spec, lease_ttl_s=lease_ttl_s)
                for i, spec in enumerate(devices)]
    errors: list[BaseException] = []

    def next_job():
        with lock:
            while True:
                if outstanding[0] == 0:
                    return None
                if queue:
                    return queue.popleft()
                lock.wait(IDLE_S)

    def work(station: jobs.Station) -> None:
        try:
            while (job_id := next_job()) is not None:
                step = jobs.run_job(store, job_id, station)
                if step.action == "analyse":
                    jobs.analyse_job(store, job_id)
                if on_change is not None:
                    on_change()
                with lock:
                    if step.action in ("wait", "retry"):
                        queue.append(job_id)
                    else:
                        outstanding[0] -= 1
                        handled[station.name] = handled.get(station.name, 0) + 1
                    lock.notify_all()
                if step.action == "wait":
                    time.sleep(min(step.delay_s, IDLE_S * 2))  # let another device take another app meanwhile
        except BaseException as exc:  # noqa: BLE001 - surfaced by the caller after the other threads end
            errors.append(exc)
            with lock:
                outstanding[0] = 0
                lock.notify_all()

    threads = [threading.Thread(target=work, args=(s,), name=f"consentry-{s.name}", daemon=True) for s in stations]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(1.0)
            if on_change is not None:
                on_change()
    if errors:
        raise errors[0]
    return handled
