"""`consentry report NAME|--app PACKAGE --format html|json|md --output PATH`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from analyzer.fileio import atomic_output
from analyzer.cli.common import CliError, err_console, open_store
from analyzer.report import FORMATS, LANGUAGES, ReportParts, write_report

# Per-app sections in this order; other choices (accept-after=S, ...) follow by name.
CHOICE_ORDER = ("accept", "refuse", "none", "withdraw")




def load_builder():
    """The report builder, ``stream_report(store, name)`` (it analyses unanalysed sessions)."""
    from analyzer.report.build import stream_report

    return stream_report


def latest_per_choice(store, package: str) -> list[str]:
    """Names of the newest finished session of each consent choice recorded for an app."""
    latest: dict[str, Any] = {}
    for row in store.list_sessions(app=package):
        if row.status == "recording":
            continue
        latest[row.consent_choice or "unknown"] = row  # list is oldest first
    if not latest:
        raise CliError(f"no recorded sessions of app {package!r}")

    def order(choice: str) -> tuple[int, str]:
        return (CHOICE_ORDER.index(choice) if choice in CHOICE_ORDER else len(CHOICE_ORDER), choice)

    return [latest[c].name for c in sorted(latest, key=order)]


def build_reports(store, names: list[str], *, geoip: str | None = None) -> list:
    from analyzer.report.proof import GeoIpError
    from analyzer.store import SessionNotFound, StoreError

    for name in names:
        if store.find_session(name) is None:
            raise CliError(f"unknown session {name!r} (see `consentry sessions list`)")
    build = load_builder()
    reports = []
    for name in names:
        try:
            reports.append(build(store, name, **({"geoip_db": geoip} if geoip else {})))
        except SessionNotFound:
            raise CliError(f"unknown session {name!r} (see `consentry sessions list`)") from None
        except (StoreError, GeoIpError) as exc:
            raise CliError(str(exc)) from None
    return reports


def check_output(output: str | None) -> Path | None:
    """Fail before the (possibly long) analysis when the report could not be written."""
    if output in (None, "-"):
        return None
    path = Path(output).expanduser()
    if path.is_dir():
        raise CliError(f"cannot write report to {path}: it is a directory")
    parent = path.parent
    if not parent.is_dir():
        raise CliError(f"cannot write report to {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"cannot write report to {path}: directory {parent} is not writable")
    return path


def write_output(reports: list, fmt: str, output: str | None, *, lang: str, redact: bool) -> None:
    """Render straight into the output as the report is produced. A file is written
    atomically: a half-written evidence file must never replace a good one."""
    path = check_output(output)
    from analyzer.store import StoreError

    binary = fmt == "pdf"
    try:
        if path is None:
            out = sys.stdout.buffer if binary else sys.stdout
            write_report(reports, fmt, out, lang=lang, redact=redact)
            out.flush()
            return
        with atomic_output(path, "wb" if binary else "w") as fh:
            write_report(reports, fmt, fh, lang=lang, redact=redact)
    except (RuntimeError, StoreError) as exc:  # PdfUnavailable: WeasyPrint/Pango missing
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write report to {path or 'stdout'}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report_command(
        name: str = typer.Argument(None, metavar="NAME", help="Session name (omit with --app)."),
        app_package: str = typer.Option(None, "--app", metavar="PACKAGE", help="Per-app report: the latest session of each consent choice of this package."),
        fmt: str = typer.Option("html", "--format", "-f", help="html | json | md | pdf"),
        output: str = typer.Option(None, "--output", "-o", metavar="PATH", help="Output file ('-' or omitted: stdout)."),
        lang: str = typer.Option("en", "--lang", help="Label language: en | zh"),
        redact: bool = typer.Option(False, "--redact", help="Mask personal data values (first 4 / last 3 characters kept)."),
        geoip: str = typer.Option(None, "--geoip", metavar="FILE", envvar="CONSENTRY_GEOIP_DB", help="MaxMind DB (.mmdb) file: adds the server's country to each request."),
    ) -> None:
        """Write the evidence report of a session (or of an app's sessions)."""
        if fmt not in FORMATS:
            raise CliError(f"unknown format {fmt!r} (choose one of {', '.join(FORMATS)})")
        if lang not in LANGUAGES:
            raise CliError(f"unknown language {lang!r} (choose one of {', '.join(LANGUAGES)})")
        if bool(name) == bool(app_package):
            raise CliError("give either a session NAME or --app PACKAGE")
        check_output(output)
        store = open_store()
        names = latest_per_choice(store, app_package) if app_package else [name]
        if geoip and not Path(geoip).is_file():
            raise CliError(f"--geoip: no such file: {geoip}")
        reports = build_reports(store, names, geoip=geoip)
        write_output(reports, fmt, output, lang=lang, redact=redact)
        if output not in (None, "-"):
            findings = sum(r.source.finding_count if isinstance(r, ReportParts) else len(r.findings) for r in reports)
            err_console.print(
                f"wrote {fmt} report of {', '.join(names)} ({findings} findings) to {output}", markup=False, highlight=False
            )
