"""``consentry campaign create|run|status|list|retry|cancel`` and ``consentry worker`` (docs/campaigns.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from analyzer.cli.common import CliError, console, open_store, print_json, state

campaign_app = typer.Typer(help="Lab campaigns: apps × consent plans as jobs on device stations.", no_args_is_help=True)

BROKER_HELP = "Celery broker URL (amqp://… or redis://…); default CONSENTRY_BROKER. Without one, use --devices."
PREFIX_HELP = "Prefix of the campaign queues (stations and producers must agree)."


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")
    app.command("worker", help="A Celery worker: a station bound to one device, or an analysis worker.")(worker_command)


def _input_errors():
    """Campaign input and store errors become one-line CLI errors (exit 2)."""
    from contextlib import contextmanager

    from analyzer.campaign.spec import CampaignInputError
    from analyzer.store import StoreError

    @contextmanager
    def guard():
        try:
            yield
        except (CampaignInputError, StoreError) as exc:
            raise CliError(str(exc)) from None

    return guard()


@campaign_app.command("create", help="One job per app × plan, stored; `campaign run` sends them to devices.")
def create_command(
    name: str = typer.Argument(..., help="Campaign name."),
    apps: Path = typer.Option(..., "--apps", help="File: one app per line, 'APK_PATH|PACKAGE [VERSION]', # comments."),
    plans: str = typer.Option("accept,refuse,none", "--plans", help="Comma-separated consent plans, e.g. accept,refuse,none,withdraw-after=20."),
    duration: Optional[float] = typer.Option(None, "--duration", help="Seconds per session (default: until the app ends; USB: 60)."),
    device_model: Optional[str] = typer.Option(None, "--device-model", help="Only stations with this device model take the jobs (default: any)."),
    max_attempts: int = typer.Option(3, "--max-attempts", help="Attempts per job before it counts as failed."),
    same_app_parallel: bool = typer.Option(False, "--same-app-parallel", help="Let one app run on several devices at once."),
    reports: Optional[Path] = typer.Option(None, "--reports", help="Directory for the per-session HTML reports (default: the user data dir)."),
    dialog_timeout: float = typer.Option(8.0, "--dialog-timeout", help="Lab: seconds an app waits for a consent click."),
) -> None:
    from analyzer.campaign import state as st
    from analyzer.campaign.spec import check_size, parse_apps_file, parse_plans, validate_campaign_name

    with _input_errors():
        validate_campaign_name(name)
        plan_specs = parse_plans(plans)
        if duration is not None and not 0 < duration <= 24 * 3600:
            raise CliError("--duration must be > 0 and at most 86400 seconds")
        if not 1 <= max_attempts <= 100:
            raise CliError("--max-attempts must be between 1 and 100")
        if not 0 < dialog_timeout <= 3600:
            raise CliError("--dialog-timeout must be > 0 and at most 3600 seconds")
        app_lines = parse_apps_file(apps)
        check_size(app_lines, plan_specs)
        options = {"dialog_timeout_ms": int(dialog_timeout * 1000)}
        if reports is not None:
            options["reports_dir"] = str(reports.expanduser().resolve())
        campaign = st.create_campaign(open_store(), name, app_lines, plan_specs, duration_s=duration,
                                      device_model=device_model, max_attempts=max_attempts,
                                      same_app_parallel=same_app_parallel, options=options)
    console.print(f"campaign [bold]{_esc(campaign.name)}[/bold]: {len(app_lines)} apps × {len(plan_specs)} plans = "
                  f"{len(app_lines) * len(plan_specs)} jobs; run them with `consentry campaign run {_esc(name)}`", soft_wrap=True)


@campaign_app.command("run", help="Send a campaign's pending jobs to the stations (broker), or run them here on --devices.")
def run_command(
    name: str = typer.Argument(..., help="Campaign name."),
    devices: Optional[str] = typer.Option(None, "--devices", help="Run here, no broker: one thread per device, e.g. lab,lab or usb:SERIAL1,usb:SERIAL2."),
    broker: Optional[str] = typer.Option(None, "--broker", envvar="CONSENTRY_BROKER", help=BROKER_HELP),
    queue_prefix: str = typer.Option("consentry", "--queue-prefix", envvar="CONSENTRY_QUEUE_PREFIX", help=PREFIX_HELP),
    to_station: Optional[str] = typer.Option(None, "--station", help="Broker: send the jobs to this station's own queue only."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Broker: wait for the jobs and show progress."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Broker --wait: give up waiting after S seconds (jobs go on)."),
    lease_ttl: float = typer.Option(60.0, "--lease-ttl", help="--devices: seconds a job claim and app lease live without a heartbeat."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live progress."),
) -> None:
    from analyzer.campaign import state as st
    from analyzer.campaign.progress import CampaignProgress
    from analyzer.campaign.views import status_data

    store = open_store()
    with _input_errors():
        campaign = st.get_campaign(store, name)
    if campaign.status == "cancelled":
        raise CliError(f"campaign {name!r} is cancelled")
    if not 5 <= lease_ttl <= 24 * 3600:
        raise CliError("--lease-ttl must be between 5 and 86400 seconds")
    progress = CampaignProgress(store, campaign, console=console, quiet=quiet)
    if devices:
        from analyzer.campaign.embedded import EmbeddedError, parse_devices, run_embedded

        try:
            specs = parse_devices(devices)
            with progress:
                run_embedded(store, campaign, specs, lease_ttl_s=lease_ttl, on_change=progress.refresh)
        except EmbeddedError as exc:
            raise CliError(str(exc)) from None
    elif broker:
        from analyzer.campaign.broker import BrokerError, dispatch_pending

        try:
            sent = dispatch_pending(store, campaign, broker, prefix=queue_prefix, station=to_station)
        except BrokerError as exc:
            raise CliError(str(exc)) from None
        where = f"station {to_station}" if to_station else "the stations"
        console.print(f"sent {sent} jobs of campaign {_esc(name)} to {_esc(where)} via {_esc(_redact(broker))}", soft_wrap=True)
        if not wait:
            return
        with progress:
            if not progress.wait_until_done(timeout):
                raise CliError(f"campaign {name!r} not done after {timeout:g}s; it goes on (see `consentry campaign status {name}`)", 1)
    else:
        raise CliError("no broker configured (--broker or CONSENTRY_BROKER) and no --devices to run on here")
    data = status_data(store, st.get_campaign(store, name))
    _print_outcome(data)
    if data["campaign"]["counts"].get("failed"):
        raise typer.Exit(1)


def _print_outcome(data) -> None:
    from analyzer.campaign.views import status_table

    console.print(status_table(data))
    console.print(f"summary: consentry campaign status {_esc(data['campaign']['name'])} --summary", soft_wrap=True)


@campaign_app.command("status", help="Per-job progress, or the apps × plans summary with --summary.")
def status_command(
    name: str = typer.Argument(..., help="Campaign name."),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table."),
    summary: bool = typer.Option(False, "--summary", help="Apps × plans verdicts, SDKs seen and report paths."),
) -> None:
    from analyzer.campaign import state as st
    from analyzer.campaign.views import status_data, status_table, summary_data, summary_table

    store = open_store()
    with _input_errors():
        campaign = st.get_campaign(store, name)
    data = summary_data(store, campaign) if summary else status_data(store, campaign)
    if as_json:
        print_json(data)
        return
    if summary:
        console.print(summary_table(data))
        for row in data["apps"]:
            for plan, path in row["reports"].items():
                console.print(f"report {_esc(row['app'])} {_esc(plan)}: {_esc(path)}", soft_wrap=True)
    else:
        console.print(status_table(data))


@campaign_app.command("list", help="Every campaign with its progress.")
def list_command(as_json: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    from analyzer.campaign import state as st
    from analyzer.campaign.views import campaign_info, list_table

    rows = [campaign_info(c, counts) for c, counts in st.list_campaigns(open_store())]
    if as_json:
        print_json(rows)
    else:
        console.print(list_table(rows))


@campaign_app.command("retry", help="Put failed jobs back to pending with a fresh attempt budget.")
def retry_command(
    name: str = typer.Argument(..., help="Campaign name."),
    failed: bool = typer.Option(False, "--failed", help="Retry the failed jobs (required: the only kind there is)."),
) -> None:
    from analyzer.campaign import state as st

    if not failed:
        raise CliError("say which jobs to retry: --failed")
    store = open_store()
    with _input_errors():
        n = st.retry_failed(store, st.get_campaign(store, name))
    console.print(f"{n} failed jobs of {_esc(name)} are pending again; run them with `consentry campaign run {_esc(name)}`",
                  soft_wrap=True)


@campaign_app.command("cancel", help="Cancel a campaign: waiting jobs now, running sessions at their next heartbeat.")
def cancel_command(name: str = typer.Argument(..., help="Campaign name.")) -> None:
    from analyzer.campaign import state as st

    store = open_store()
    with _input_errors():
        campaign = st.get_campaign(store, name)
        if campaign.status == "cancelled":
            raise CliError(f"campaign {name!r} is already cancelled")
        outcome = st.cancel_campaign(store, campaign)
    console.print(f"campaign {_esc(name)} cancelled: {outcome['cancelled']} waiting jobs cancelled, "
                  f"{outcome['stopping']} running sessions stop at their station's next heartbeat", soft_wrap=True)


def worker_command(
    device: Optional[str] = typer.Option(None, "--device", help="Be a station for this device: lab | usb:SERIAL."),
    analysis: bool = typer.Option(False, "--analysis", help="Be an analysis worker (analysis and report jobs)."),
    broker: Optional[str] = typer.Option(None, "--broker", envvar="CONSENTRY_BROKER", help=BROKER_HELP),
    queue_prefix: str = typer.Option("consentry", "--queue-prefix", envvar="CONSENTRY_QUEUE_PREFIX", help=PREFIX_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="Station name (default: HOST-DEVICE-PID); its own queue is PREFIX.station.NAME."),
    model: Optional[str] = typer.Option(None, "--model", help="Device model this station offers to jobs that ask for one (default: what the device reports)."),
    lease_ttl: float = typer.Option(60.0, "--lease-ttl", help="Seconds a job claim and app lease live without a heartbeat."),
    concurrency: int = typer.Option(1, "--concurrency", help="--analysis: jobs at once (a station always runs one)."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Celery log level (INFO: one line per job received and done)."),
) -> None:
    from analyzer.campaign.broker import BrokerError, StationConfig, run_worker

    if bool(device) == analysis:
        raise CliError("give exactly one of --device D (a station) or --analysis")
    if not broker:
        raise CliError("no broker configured: --broker URL or CONSENTRY_BROKER (see docs/campaigns.md)")
    if not 5 <= lease_ttl <= 24 * 3600:
        raise CliError("--lease-ttl must be between 5 and 86400 seconds")
    if not 1 <= concurrency <= 64:
        raise CliError("--concurrency must be between 1 and 64")
    station = None
    if device:
        from analyzer.devices import DeviceError, parse_device_spec

        try:
            parse_device_spec(device)
        except DeviceError as exc:
            raise CliError(str(exc)) from None
        station = StationConfig.make(device, name=name, model=model, lease_ttl_s=lease_ttl)
    open_store()  # fail here, in one line, when the store cannot be opened
    try:
        run_worker(broker, prefix=queue_prefix, db_url=state.db_url or os.environ.get("CONSENTRY_DB"), station=station,
                   concurrency=concurrency, loglevel=loglevel)
    except BrokerError as exc:
        raise CliError(str(exc)) from None


def _redact(url: str) -> str:
    from analyzer.campaign.broker import redact_url

    return redact_url(url)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text or "")
