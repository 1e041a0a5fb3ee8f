"""`consentry export har|mitm|events|bundle` and `consentry verify`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from analyzer.terminal import for_terminal
from analyzer.cli.common import CliError, console, open_store, print_json

export_app = typer.Typer(help="Export a session: HAR, mitmproxy dump, events, or an evidence bundle.",
                         no_args_is_help=True)

NAME_ARG = typer.Argument(..., help="Session name.")
OUTPUT_OPT = typer.Option(..., "--output", "-o", help="File to write ('-': standard output).")
BUNDLE_OUTPUT_OPT = typer.Option(..., "--output", "-o", help="File to write.")


def _to_stdout(output: Path) -> bool:
    return str(output) == "-"


def _export_to_stdout(store, kind: str, name: str) -> int:
    """``-o -``: the export goes to standard output (text for har/events, bytes for mitm)."""
    session = store.get_session(name)
    if kind == "har":
        from analyzer.exporters.har import write_har_stream
        count = write_har_stream(store.iter_flows(session.id), sys.stdout, comment=f"session {name}")
    elif kind == "mitm":
        from analyzer.exporters.mitm import write_mitm_stream
        sys.stdout.flush()
        count = write_mitm_stream(store.iter_flows(session.id), sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        from analyzer.exporters.events import write_events_stream
        count = write_events_stream(store, session.id, sys.stdout)
    sys.stdout.flush()
    return count


def _wrote(what: str, count: int, output: Path) -> None:
    if _to_stdout(output):  # the data is on stdout: the summary goes to stderr
        print(f"Wrote {count} {what} to standard output", file=sys.stderr)
    else:
        console.print(f"Wrote {count} {what} to {for_terminal(output)}", highlight=False, markup=False)


def _export(kind: str, name: str, output: Path) -> int:
    from analyzer.exporters import ExportFailed
    from analyzer.store import StoreError

    if not _to_stdout(output) and not output.parent.resolve().is_dir():
        raise CliError(f"directory {for_terminal(output.parent)} does not exist")
    store = open_store()
    try:
        if _to_stdout(output):
            return _export_to_stdout(store, kind, name)
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
    _wrote("flows", _export("har", name, output), output)


@export_app.command("mitm")
def export_mitm(name: str = NAME_ARG, output: Path = OUTPUT_OPT) -> None:
    """Write the session's flows as a mitmproxy dump (opens in mitmproxy -r / mitmweb -r)."""
    _wrote("flows", _export("mitm", name, output), output)


@export_app.command("events")
def export_events(name: str = NAME_ARG, output: Path = OUTPUT_OPT) -> None:
    """Write the session's events as .jsonl (imports again with --events)."""
    _wrote("events", _export("events", name, output), output)


@export_app.command("bundle")
def export_bundle(
    name: str = NAME_ARG,
    output: Path = BUNDLE_OUTPUT_OPT,
    no_report: bool = typer.Option(False, "--no-report", help="Leave out report.html/report.json."),
    lang: str = typer.Option("en", "--lang", help="Language of the bundled report: en | zh."),
    redact: bool = typer.Option(False, "--redact", help="Masked reports only (no raw flows, events or identifiers): for sharing."),
    key: Optional[Path] = typer.Option(None, "--key", help="Private Ed25519 key to sign with (default: the lab key of `consentry keys init`)."),
    no_sign: bool = typer.Option(False, "--no-sign", help="Do not sign even when a lab key exists."),
    tsa: Optional[str] = typer.Option(None, "--tsa", envvar="CONSENTRY_TSA_URL", help="RFC 3161 Time-Stamp Authority URL: adds a trusted timestamp."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest."),
) -> None:
    """Write an evidence bundle (zip): report, flows (HAR + mitm), events, identifiers, session, manifest,
    signed with the lab key and optionally time-stamped by a TSA."""
    from analyzer.exporters import ExportFailed
    from analyzer.exporters.bundle import write_bundle
    from analyzer.exporters.signing import KeyError_, load_key
    from analyzer.exporters.timestamp import TimestampError
    from analyzer.report import LANGUAGES
    from analyzer.store import StoreError

    if lang not in LANGUAGES:
        raise CliError(f"unknown language {lang!r} (choose one of {', '.join(LANGUAGES)})")
    if not output.parent.resolve().is_dir():
        raise CliError(f"directory {output.parent} does not exist")
    if key is not None and not key.is_file():
        raise CliError(f"--key: no such file: {key}")
    try:
        lab_key = None if no_sign else load_key(key)
    except KeyError_ as exc:
        raise CliError(str(exc)) from None
    store = open_store()
    try:
        manifest = write_bundle(store, name, output, include_report=not no_report, lang=lang, redact=redact,
                                key=lab_key, tsa_url=tsa)
    except (StoreError, ExportFailed, TimestampError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    if as_json:
        print_json(manifest)
        return
    print(f"Wrote {output} ({len(manifest['files'])} files + manifest)")
    print(f"manifest sha256: {manifest['manifest_sha256']}")
    if manifest["signed"]:
        print(f"signed with lab key {lab_key.key_id[:16]} ({lab_key.path})")
    else:
        print("not signed: run `consentry keys init` to sign bundles with the lab key")
    if manifest["timestamped"]:
        print(f"time-stamped by {tsa}")
    print(f"Keep that hash apart from the bundle; check later with: consentry verify {output} "
          f"--expect-hash {manifest['manifest_sha256']}")


def verify(
    bundle: Path = typer.Argument(..., help="Evidence bundle (.zip) to check."),
    expect_hash: str = typer.Option(None, "--expect-hash", help="Manifest hash recorded when the bundle was made."),
    key: Optional[Path] = typer.Option(None, "--key", help="Public key the bundle must be signed with (default: the lab key)."),
    tsa_ca: Optional[Path] = typer.Option(None, "--tsa-ca", envvar="CONSENTRY_TSA_CA", help="CA certificate (PEM) of the Time-Stamp Authority."),
    require_signature: bool = typer.Option(False, "--require-signature", help="Fail when the bundle is not signed."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check every file of an evidence bundle against its manifest, the manifest's signature
    and its trusted timestamp; exit 0 only when all hold (one line per failure)."""
    from analyzer.exporters.bundle import verify_bundle
    from analyzer.exporters.signing import KeyError_, trusted_public
    from analyzer.exporters.timestamp import TimestampError, load_ca

    if not bundle.is_file():
        raise CliError(f"{for_terminal(bundle)} is not a file")
    try:
        trusted = trusted_public(key)
        ca = load_ca(tsa_ca) if tsa_ca is not None else None
    except (KeyError_, TimestampError) as exc:
        raise CliError(str(exc)) from None
    result = verify_bundle(bundle, expect_hash=expect_hash, trusted_key=trusted, tsa_ca=ca,
                           require_signature=require_signature)
    if as_json:
        print_json(result.as_dict())
    else:
        # names and problems come from the zip: escaped, so no entry name can redraw this output
        for label, names in (("missing", result.missing), ("extra", result.extra), ("changed", result.changed)):
            for n in names:
                print(f"{label}: {for_terminal(n)}")
        for problem in result.problems:
            print(f"problem: {for_terminal(problem)}")
        for line in (result.signature, result.timestamp):
            if line and line not in result.problems:
                print(for_terminal(line))
        if result.ok:
            print(f"OK: {len(result.checked)} files match the manifest "
                  f"(manifest sha256 {for_terminal(result.manifest_sha256)})")
    if not result.ok:
        raise CliError(_verify_failure(bundle, result), exit_code=1)


def _verify_failure(bundle: Path, result) -> str:
    from analyzer.exporters.bundle import MANIFEST

    where = for_terminal(bundle)
    if any(p.startswith("not a readable zip") for p in result.problems):
        return f"{where} is not an evidence bundle: {for_terminal(result.problems[0])}"
    if MANIFEST in result.missing:
        return f"{where} is not an evidence bundle (no {MANIFEST})"
    if not result.manifest_sha256 and MANIFEST in result.changed:
        return f"{where}: {for_terminal(result.problems[-1] if result.problems else 'manifest unreadable')}"
    bad = len(result.missing) + len(result.extra) + len(result.changed)
    return f"{where} failed verification ({bad} files differ, {len(result.problems)} problems)"


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.command("verify")(verify)
