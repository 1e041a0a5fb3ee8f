"""Terminal tables fit 80 and 120 columns: no line wider, rule ids and short ids whole,
and the short ids printed are accepted back by the commands."""

from __future__ import annotations

import json
import re

import pytest

from analyzer.store import open_store
from tests.analysis import corpus as c
from tests.evidence.test_finding_model import three_posts

RULE_RE = re.compile(r"\b[a-z]+(?:-[a-z]+)*-(?:transmission|api-call|collection)\b")


@pytest.fixture
def populated(sqlite_url):
    store = open_store(sqlite_url)
    three_posts(store).commit()
    c.preconsent_leak(store, "a-rather-long-session-name-for-the-labshop-refuse-run").commit()
    return store


def fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"


@pytest.mark.parametrize("width", [80, 120])
def test_tables_fit_and_keep_words_whole(populated, run, width):
    findings = json.loads(run("findings", "three", "--json").stdout)
    for args in (("sessions", "list"), ("findings", "three"), ("analyze", "three"), ("rules",), ("sdks",),
                 ("identifiers", "list", "three"), ("mark", "list", "--session", "three")):
        result = run(*args, columns=width)
        assert result.exit_code == 0, (args, result.stderr)
        fits(result.stdout, width)
    text = run("findings", "three", columns=width).stdout
    expected_rules = {r for f in findings for r in f["rules"]}
    assert set(RULE_RE.findall(text)) == expected_rules  # every rule id printed whole
    for f in findings:
        assert re.search(rf"\b{f['id'][:8]}\b", text), f["id"]
    listed = run("sessions", "list", columns=width).stdout
    assert "a-rather-long-session-name" in listed.replace("\n", "").replace(" ", "") or "a-rather-long" in listed


def test_short_ids_are_accepted_back(populated, run):
    text = run("findings", "three", columns=80).stdout
    short = re.findall(r"\s([0-9a-f]{8,})\s*$", text, re.M)  # the id column ends each row
    assert short
    for prefix in short:
        one = json.loads(run("findings", "three", "--id", prefix, "--json").stdout)
        assert one["id"].startswith(prefix)
    bad = run("findings", "three", "--id", "0")
    assert bad.exit_code == 2 and ("ambiguous" in bad.stderr or "no finding" in bad.stderr)


def test_json_everywhere(populated, run):
    for args in (("sessions", "list"), ("sessions", "show", "three"), ("findings", "three"), ("analyze", "three"),
                 ("rules",), ("sdks",), ("identifiers", "list", "three"), ("mark", "list", "--session", "three")):
        result = run(*args, "--json")
        assert result.exit_code == 0, (args, result.stderr)
        json.loads(result.stdout)
