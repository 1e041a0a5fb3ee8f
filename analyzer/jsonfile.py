"""Reading a small user-supplied JSON file (device profile, rules config) safely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
