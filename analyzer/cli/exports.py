"""`consentry export har|mitm|events|bundle` and `consentry verify`."""

from __future__ import annotations

from pathlib import Path

import typer

from analyzer.cli.common import CliError, console, open_store, print_json

export_app = typer.Typer(help="Export a session: HAR, mitmproxy dump, events, or an evidence bundle.",
                         no_args_is_help=True)

NAME_ARG = typer.Argument(..., help="Session name.")
OUTPUT_OPT = typer.Option(..., "--output", "-o", help="File to write.")


def _export(kind: str, name: str, output: Path) -> int:
    from analyzer.exporters import ExportFailed
    from analyzer.store import StoreError

    if not output.parent.resolve().is_dir():
        raise CliError(f"directory {output.parent} does not exist")
    store = open_store()
    try:
        if kind == "har":
            from analyzer.exporters.har import write_har
            return write_har(store, name, output)
        if kind == "mitm":
            from analyzer.exporters.mitm import write_mitm
            return write_mitm(store, name, output)
        from analyzer.exporters.events import write_events
        return write_events(store, name, output)
    except (StoreError, ExportFailed) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None


@export_app.command("har")
def export_har(name: str = NAME_ARG, output: Path = OUTPUT_OPT) -> None:
    """Write the session's flows as HAR 1.2."""
    console.print(f"Wrote {_export('har', name, output)} flows to {output}", highlight=False)


@export_app.command("mitm")
def export_mitm(name: str = NAME_ARG, output: Path = OUTPUT_OPT) -> None:
    """Write the session's flows as a mitmproxy dump (opens in mitmproxy -r / mitmweb -r)."""
    console.print(f"Wrote {_export('mitm', name, output)} flows to {output}", highlight=False)


@export_app.command("events")
def export_events(name: str = NAME_ARG, output: Path = OUTPUT_OPT) -> None:
    """Write the session's events as .jsonl (imports again with --events)."""
    console.print(f"Wrote {_export('events', name, output)} events to {output}", highlight=False)


@export_app.command("bundle")
def export_bundle(
    name: str = NAME_ARG,
    output: Path = OUTPUT_OPT,
    no_report: bool = typer.Option(False, "--no-report", help="Leave out report.html/report.json."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest."),
) -> None:
    """Write an evidence bundle (zip): report, flows (HAR + mitm), events, identifiers, session, manifest."""
    from analyzer.exporters import ExportFailed
    from analyzer.exporters.bundle import write_bundle
    from analyzer.store import StoreError

    if not output.parent.resolve().is_dir():
        raise CliError(f"directory {output.parent} does not exist")
    store = open_store()
    try:
        manifest = write_bundle(store, name, output, include_report=not no_report)
    except (StoreError, ExportFailed) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    if as_json:
        print_json(manifest)
        return
    print(f"Wrote {output} ({len(manifest['files'])} files + manifest)")
    print(f"manifest sha256: {manifest['manifest_sha256']}")
    print(f"Keep that hash apart from the bundle; check later with: consentry verify {output} "
          f"--expect-hash {manifest['manifest_sha256']}")


def verify(
    bundle: Path = typer.Argument(..., help="Evidence bundle (.zip) to check."),
    expect_hash: str = typer.Option(None, "--expect-hash", help="Manifest hash recorded when the bundle was made."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check every file of an evidence bundle against its manifest; exit 0 only when intact."""
    from analyzer.exporters.bundle import verify_bundle

    if not bundle.is_file():
        raise CliError(f"{bundle} is not a file")
    result = verify_bundle(bundle, expect_hash=expect_hash)
    if as_json:
        print_json(result.as_dict())
    else:
        for label, names in (("missing", result.missing), ("extra", result.extra), ("changed", result.changed)):
            for n in names:
                print(f"{label}: {n}")
        for problem in result.problems:
            print(f"problem: {problem}")
        if result.ok:
            print(f"OK: {len(result.checked)} files match the manifest (manifest sha256 {result.manifest_sha256})")
    if not result.ok:
        bad = len(result.missing) + len(result.extra) + len(result.changed)
        raise CliError(f"{bundle} does not match its manifest ({bad} files differ)", exit_code=1)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.command("verify")(verify)
