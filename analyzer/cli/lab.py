"""``consentry lab build``: an Android-style app directory into an installable lab app."""

from __future__ import annotations

from pathlib import Path

import typer

from analyzer.cli.common import CliError, console

lab_app = typer.Typer(help="Lab device tools: build lab apps (Android-style app directories).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")


@lab_app.command("build")
def build_command(
    app_dir: Path = typer.Argument(..., help="App directory: AndroidManifest.xml, java/, optional assets/ and payload/."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the built app (APP.apk, a jar with the manifest inside)."),
) -> None:
    """Compile a lab app against the lab device's Android mirror (cached by content hash)."""
    from analyzer.lab.apps import build_app, read_apk_manifest
    from analyzer.lab.build import LabBuildError

    if not app_dir.is_dir():
        raise CliError(f"{app_dir} is not a directory")
    try:
        built = build_app(app_dir, output)
        manifest = read_apk_manifest(built)
    except LabBuildError as exc:
        lines = str(exc).splitlines()
        if len(lines) > 1:  # javac's own diagnostics say where; keep them below the one-line reason
            typer.echo("\n".join(lines[1:]), err=True)
        raise CliError(lines[0] if lines else "build failed") from None
    console.print(f"built {manifest.package} {manifest.version_name} -> {built}", soft_wrap=True, markup=False)
