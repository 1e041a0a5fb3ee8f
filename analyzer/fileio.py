"""Files the user hands in or gets back: small JSON inputs read safely, outputs written
atomically (a half-written export or report never replaces a good one)."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator


class JsonFileError(ValueError):
    """The file cannot be used; the message is one line naming the file."""


def read_json_object(path: str | Path, *, what: str, max_bytes: int) -> dict[str, Any]:
    """The JSON object in ``path``: size-capped, UTF-8, depth errors reported, not raised."""
    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise JsonFileError(f"{p}: {what} larger than {max_bytes} bytes")
        data = json.loads(p.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise JsonFileError(f"{p}: cannot read {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise JsonFileError(f"{p}: {what} is not UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise JsonFileError(f"{p}: {what} is not JSON ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(data, dict):
        raise JsonFileError(f"{p}: {what} must be a JSON object")
    return data


def read_data_file(path: str | Path, *, what: str, max_bytes: int) -> Any:
    """A JSON or (by its suffix) YAML file a user hands in, parsed; JsonFileError in one line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JsonFileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise JsonFileError(f"{what} {path} is larger than {max_bytes // 1024 // 1024} MiB")
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    try:
        text = raw.decode("utf-8")
        if yaml_file:
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        kind = "YAML" if yaml_file else "JSON"
        raise JsonFileError(f"{what} {path} is not valid {kind}: {str(exc).splitlines()[0]}") from None
    except Exception as exc:  # yaml.YAMLError and friends
        raise JsonFileError(f"{what} {path} is not valid YAML: {str(exc).splitlines()[0]}") from None


@contextmanager
def atomic_output(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and move it into place only when the block
    succeeds; on failure the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        text = "b" not in mode
        with os.fdopen(fd, mode, **({"encoding": "utf-8", "errors": "replace", "newline": "\n"} if text else {})) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
