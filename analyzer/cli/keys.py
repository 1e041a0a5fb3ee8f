"""`consentry keys init|show`: the lab's Ed25519 key that signs evidence bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from analyzer.cli.common import CliError, console, print_json

keys_app = typer.Typer(help="The lab's signing key for evidence bundles.", no_args_is_help=True)


@keys_app.command("init")
def keys_init(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Key directory (default: $CONSENTRY_KEY_DIR or the user config dir)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing key."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Create the lab's Ed25519 key pair (private key mode 0600); prints the key id to publish."""
    from analyzer.exporters.signing import PUBLIC_NAME, KeyError_, init_key

    try:
        key = init_key(directory, force=force)
    except (KeyError_, OSError) as exc:
        raise CliError(str(getattr(exc, "strerror", None) or exc)) from None
    info = {"key_id": key.key_id, "private_key": str(key.path), "public_key": str(key.path.parent / PUBLIC_NAME)}
    if as_json:
        print_json(info)
        return
    console.print(f"created lab key {key.key_id}\nprivate: {info['private_key']}\npublic:  {info['public_key']} "
                  f"(give this file to whoever verifies your bundles: consentry verify BUNDLE --key PUB)",
                  markup=False, highlight=False)


@keys_app.command("show")
def keys_show(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Show the lab key's id and files."""
    from analyzer.exporters.signing import PUBLIC_NAME, KeyError_, load_key

    try:
        key = load_key()
    except KeyError_ as exc:
        raise CliError(str(exc)) from None
    if key is None:
        raise CliError("no lab key yet: run `consentry keys init`")
    info = {"key_id": key.key_id, "private_key": str(key.path), "public_key": str(key.path.parent / PUBLIC_NAME)}
    if as_json:
        print_json(info)
        return
    console.print(f"lab key {key.key_id}\nprivate: {info['private_key']}\npublic:  {info['public_key']}",
                  markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
