"""The words the consent driver reads on screen (zh and en), from a JSON file users can extend.

The shipped file is ``analyzer/runner/data/consent_lexicon.json``; ``--lexicon FILE`` or
``CONSENTRY_LEXICON`` adds a tester's own words (put first, so they win) or, with
``"replace": true``, replaces a list. Format and matching rules: docs/runner.md.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from analyzer.runner.uitree import normalise

DEFAULT_PATH = Path(__file__).parent / "data" / "consent_lexicon.json"
ENV_VAR = "CONSENTRY_LEXICON"
SCHEMA = "consentry.lexicon/1"
# Screen and checkbox words are looked for inside labels; button words must be the whole label.
LISTS = ("screen", "accept", "refuse", "browse_only", "refuse_confirm", "checkbox", "withdraw",
         "withdraw_confirm", "withdraw_nav", "account_removal")
MAX_FILE_BYTES = 1024 * 1024


class LexiconError(ValueError):
    """A lexicon file that cannot be used (one line, names the file)."""


@dataclass(frozen=True)
class Lexicon:
    screen: tuple[str, ...]
    accept: tuple[str, ...]
    refuse: tuple[str, ...]
    browse_only: tuple[str, ...]
    refuse_confirm: tuple[str, ...]
    checkbox: tuple[str, ...]
    withdraw: tuple[str, ...]
    withdraw_confirm: tuple[str, ...]
    withdraw_nav: tuple[str, ...]
    account_removal: tuple[str, ...]

    def words(self, kind: str) -> tuple[str, ...]:
        return getattr(self, kind)

    def button_rank(self, kind: str, label: str) -> int | None:
        """Position of ``label`` among the button words of ``kind`` (lower is preferred), or None."""
        norm = normalise(label)
        if not norm:
            return None
        for rank, word in enumerate(self.words(kind)):
            if normalise(word) == norm:
                return rank
        return None

    def found_in(self, kind: str, label: str) -> list[str]:
        """The words of ``kind`` that occur inside ``label``."""
        norm = normalise(label)
        return [w for w in self.words(kind) if normalise(w) and normalise(w) in norm]


def _read(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LexiconError(f"{path}: lexicon file larger than {MAX_FILE_BYTES} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LexiconError(f"{path}: cannot read the lexicon: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise LexiconError(f"{path}: lexicon is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise LexiconError(f"{path}: lexicon is not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: lexicon must be a JSON object")
    unknown = sorted(set(data) - set(LISTS) - {"schema", "replace"})
    if unknown:
        raise LexiconError(f"{path}: unknown lexicon list {unknown[0]!r} (known: {', '.join(LISTS)})")
    for key in LISTS:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            raise LexiconError(f"{path}: {key!r} must be a list of non-empty strings")
    replace = data.get("replace", False)
    if not (isinstance(replace, bool) or (isinstance(replace, list) and all(r in LISTS for r in replace))):
        raise LexiconError(f"{path}: 'replace' must be true, false or a list of list names")
    return data


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The shipped lexicon, extended (or partly replaced) by ``path`` or ``$CONSENTRY_LEXICON``."""
    base = _read(DEFAULT_PATH)
    lists = {key: list(base.get(key, [])) for key in LISTS}
    extra_path = path or os.environ.get(ENV_VAR) or None
    if extra_path:
        extra = _read(Path(extra_path))
        replace = extra.get("replace", False)
        for key in LISTS:
            if key not in extra:
                continue
            if replace is True or (isinstance(replace, list) and key in replace):
                lists[key] = list(extra[key])
            else:
                lists[key] = list(extra[key]) + [w for w in lists[key] if w not in extra[key]]
    return Lexicon(**{key: tuple(words) for key, words in lists.items()})
