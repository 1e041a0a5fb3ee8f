"""The HTML report in a real headless Chromium: it renders, and payloads stay inert."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from report_dom import scan
from report_factory import make_report

from analyzer.report import render, render_html

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium(tmp_path: Path, page: Path, *extra: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=90,
    )
    shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_report_renders_in_chromium(tmp_path):
    report = make_report(14, choice="withdraw")
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = scan(chromium(tmp_path, page, "--dump-dom"))
    marks = dom.with_class("consent-mark", "g")
    assert [m["data-action"] for m in marks] == [c.action for c in report.consent]
    points = dom.with_class("finding-point", "circle")
    assert sorted(p["data-finding-id"] for p in points) == sorted(f.id for f in report.findings)
    # The nonce'd script ran (CSP lets it), so the toggle buttons are no longer hidden.
    assert all("hidden" not in b for b in dom.with_class("toggle", "button"))
    shot = tmp_path / "report.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_hostile_payloads_execute_nothing(tmp_path):
    report = make_report(16, choice="accept", hostile=True)
    page = tmp_path / "hostile.html"
    page.write_text(render(report, "html", lang="zh"), encoding="utf-8")
    dom_html = chromium(tmp_path, page, "--dump-dom")
    dom = scan(dom_html)
    assert "PWNED" not in dom.title and dom.title.startswith("同意合规证据报告")
    ids = {a.get("id") for _, a in dom.elements}
    assert "pwned" not in ids and "pwned-link" not in ids
    body = next(a for t, a in dom.elements if t == "body")
    assert "data-pwned" not in body
    assert not [t for t, _ in dom.elements if t in ("img", "iframe", "object", "embed")]
    assert len([t for t, _ in dom.elements if t == "script"]) == 1
    assert len(dom.with_class("finding-point", "circle")) == len(report.findings)
    assert "<script>document.title='PWNED'</script>" in dom.text  # visible as text
    assert "{{ 7*7 }}" in dom.text


def test_large_report_renders_in_chromium(tmp_path):
    report = make_report(10_000, choice="refuse")
    page = tmp_path / "big.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = scan(chromium(tmp_path, page, "--dump-dom"))
    bins = dom.with_class("finding-bin", "g")
    points = dom.with_class("finding-point", "circle")
    assert sum(int(b["data-count"]) for b in bins) + len(points) == len(report.findings)
    assert len(dom.with_class("consent-mark", "g")) == len(report.consent)
