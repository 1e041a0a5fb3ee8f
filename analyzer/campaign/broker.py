"""Campaign jobs on Celery: queues, the two tasks, dispatch, and the worker entry point.

Queues (durable, persistent messages; PREFIX is ``--queue-prefix``):
``PREFIX.jobs.any`` jobs any station may take; ``PREFIX.jobs.model.MODEL`` jobs that ask
for a device model; ``PREFIX.station.NAME`` one station's own queue; ``PREFIX.analysis``
analysis and report jobs. A station consumes its own queue, ``jobs.any`` and its model's
queue with one job at a time (prefetch 1); a message is acknowledged only after its job
returned (``task_acks_late``), so a station that dies mid-session leaves its message to
the broker, which hands it to another station. See docs/campaigns.md.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from dataclasses import dataclass
from typing import Any

from analyzer.campaign import jobs
from analyzer.campaign import state as st
from analyzer.store.models_campaign import Campaign

log = logging.getLogger(__name__)

RUN_TASK = "consentry.campaign.run_job"
ANALYSE_TASK = "consentry.campaign.analyse_job"
CONNECT_TIMEOUT_S = 10.0


class BrokerError(Exception):
    """The broker cannot be used (one line for the user)."""


@dataclass
class StationConfig:
    name: str
    device: str
    model: str | None
    lease_ttl_s: float

    @classmethod
    def make(cls, device: str, *, name: str | None, model: str | None, lease_ttl_s: float) -> "StationConfig":
        default = f"{socket.gethostname()}-{device.replace(':', '-')}-{os.getpid()}"
        return cls(name=_slug(name or default), device=device, model=model, lease_ttl_s=lease_ttl_s)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:100] or "station"


def queue_names(prefix: str, *, model: str | None = None, station: str | None = None) -> dict[str, str]:
    names = {"any": f"{prefix}.jobs.any", "analysis": f"{prefix}.analysis"}
    if model:
        names["model"] = f"{prefix}.jobs.model.{_slug(model)}"
    if station:
        names["station"] = f"{prefix}.station.{_slug(station)}"
    return names


def job_queue(prefix: str, campaign: Campaign) -> str:
    names = queue_names(prefix, model=campaign.device_model)
    return names.get("model", names["any"])


def _queue(name: str):
    from kombu import Exchange, Queue

    return Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True)


def redact_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def make_app(broker_url: str, *, prefix: str, db_url: str | None = None, station: StationConfig | None = None):
    """The Celery app of one producer or worker; tasks read the store URL and station from its conf."""
    from celery import Celery

    app = Celery("consentry", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged after the job returned: a dead station's job is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a station holds one job at a time; the rest stay for other stations
        task_default_delivery_mode="persistent",  # messages survive a broker restart (durable queues below)
        task_ignore_result=True,  # job state lives in the store
        task_default_queue=f"{prefix}.jobs.any",
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=CONNECT_TIMEOUT_S,
        # Redis has no connection-bound delivery: an unacknowledged job comes back after this.
        broker_transport_options={"visibility_timeout": 6 * 3600},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        consentry_prefix=prefix,
        consentry_db=db_url,
        consentry_station=station,
    )
    app.task(name=RUN_TASK, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)(_run_job_task)
    app.task(name=ANALYSE_TASK, bind=True, max_retries=None, acks_late=True, reject_on_worker_lost=True)(_analyse_job_task)
    return app


def _store_of(app):
    from analyzer.store import open_store

    return open_store(app.conf.consentry_db)


def _run_job_task(task, job_id: str) -> str:
    app = task.app
    cfg: StationConfig = app.conf.consentry_station
    if cfg is None:
        raise RuntimeError("a run job reached a worker that is not a station")
    store = _store_of(app)
    step = jobs.run_job(store, job_id, jobs.Station(cfg.name, cfg.device, lease_ttl_s=cfg.lease_ttl_s))
    log.info("job %s on %s: %s %s", job_id, cfg.name, step.action, step.detail)
    if step.action == "analyse":
        send(app, ANALYSE_TASK, job_id, queue_names(app.conf.consentry_prefix)["analysis"])
    elif step.action in ("wait", "retry"):
        # A new message (persistent, same queue) for later; this one is acknowledged after it is sent.
        raise task.retry(countdown=step.delay_s, max_retries=None)
    return step.action


def _analyse_job_task(task, job_id: str) -> str:
    return jobs.analyse_job(_store_of(task.app), job_id).detail


def send(app, task_name: str, job_id: str, queue_name: str) -> None:
    queue = _queue(queue_name)
    app.send_task(task_name, args=[job_id], queue=queue, declare=[queue], retry=True,
                  retry_policy={"max_retries": 5, "interval_start": 0.5, "interval_step": 1.0})


def dispatch_pending(store, campaign: Campaign, broker_url: str, *, prefix: str, station: str | None = None) -> int:
    """Send every pending job to its queue (persistent messages, queues declared first).

    ``station``: to that station's own queue instead (re-test on one particular phone).
    """
    pending = st.jobs_of(store, campaign, ["pending"])
    if not pending:
        return 0
    app = make_app(broker_url, prefix=prefix)
    queue_name = queue_names(prefix, station=station)["station"] if station else job_queue(prefix, campaign)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, timeout=CONNECT_TIMEOUT_S)
            for job in pending:
                send(app, RUN_TASK, str(job.id), queue_name)
                st.mark_queued(store, [job.id])
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the jobs left stay pending
        raise BrokerError(f"cannot send jobs to {redact_url(broker_url)}: {type(exc).__name__}: {str(exc)[:200]}") from None
    return len(pending)


def run_worker(broker_url: str, *, prefix: str, db_url: str | None, station: StationConfig | None,
               concurrency: int = 1, loglevel: str = "WARNING") -> None:
    """Run a Celery worker in this process until it is stopped (SIGTERM: finish the job, then exit)."""
    app = make_app(broker_url, prefix=prefix, db_url=db_url, station=station)
    if station is not None:
        names = queue_names(prefix, model=station.model or _device_model(station.device), station=station.name)
        queues = [names["station"], names["any"]] + ([names["model"]] if "model" in names else [])
        # the prefix in the node name: a station of the same name under another prefix on this
        # broker (another deployment) would otherwise hold Celery's exclusive control queue
        nodename, concurrency = f"station-{station.name}.{prefix}@{socket.gethostname()}", 1
    else:
        queues = [queue_names(prefix)["analysis"]]
        nodename = f"analysis-{os.getpid()}@{socket.gethostname()}"
    app.conf.task_queues = [_queue(q) for q in queues]
    argv = ["worker", "-Q", ",".join(queues), "-n", nodename, "-c", str(concurrency), "-P", "threads",
            "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "-l", loglevel]
    try:
        app.worker_main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise BrokerError(f"the worker stopped with exit code {exc.code}") from None


def _device_model(device: str) -> str | None:
    """The model the device reports, so jobs that ask for it find this station."""
    from analyzer.devices import open_backend

    try:
        with open_backend(device) as backend:
            info: dict[str, Any] = backend.describe()
    except Exception:  # noqa: BLE001 - DeviceError or a missing tool: the station takes 'any' jobs only
        return None
    if (info.get("profile") or {}).get("model") or info.get("model"):
        return (info.get("profile") or {}).get("model") or info.get("model")
    if info.get("kind") == "usb":
        return info.get("name")  # ro.product.model
    if info.get("kind") == "lab":
        from analyzer.lab.scenarios import device_profile_full

        return (device_profile_full().get("build") or {}).get("MODEL")  # what Build.MODEL returns in a lab app
    return None
