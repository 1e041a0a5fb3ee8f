"""The consent driver end to end on the lab device, through the CLI entry point (in-process):
the lab app's own consent UI read as a uiautomator tree, tapped from outside, every step
stored as evidence. Two of these sessions are also cases of the scenario x consent matrix
(test_lab_e2e.py): their expectation is checked here, on the same run."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lab_checks import NONE_DIALOG_TIMEOUT_S, assert_meets_expectation, run_args

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def lab_built():
    from analyzer.lab.build import ensure_built

    return ensure_built()


def _consent(store, session):
    return [e.data for e in store.iter_events(session.id, types=["consent"]) if e.data.get("via")]


def test_withdraw_through_the_apps_settings_with_evidence(cli, tmp_path):
    from analyzer.store import open_store
    from analyzer.store.ui_evidence import ui_blob, ui_evidence

    db = f"sqlite:///{tmp_path / 'w.db'}"
    args = run_args("withdraw", "withdraw", "w")  # the matrix's withdraw x withdraw session (--consent withdraw-after=1)
    assert args[args.index("--consent") + 1] == "withdraw-after=1"
    r = cli(*args, db=db, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    store = open_store(db)
    assert_meets_expectation(store, "withdraw", "withdraw", "w", r.stdout)
    session = store.get_session("w")
    steps = [(c["action"], c["via"]) for c in _consent(store, session)]
    assert steps == [("shown", "ui-tree"), ("granted", "ui-tree"), ("withdrawn", "ui-tree")], r.stdout
    granted, withdrawn = _consent(store, session)[1:]
    assert granted["node"]["text"] == "同意" and "隐私政策" in granted["matched"]
    assert withdrawn["node"]["text"] == "撤回同意" and withdrawn["ts"] - granted["ts"] >= 1000
    rows = ui_evidence(store, session.id)
    purposes = [r.purpose for r in rows if r.phase == "before" and r.kind == "dump"]
    assert purposes[0] == "accept" and purposes[-1] == "withdraw" and "navigate" in purposes
    shot = ui_blob(store, withdrawn["evidence"]["before"]["screenshot"])
    assert Image.open(io.BytesIO(shot)).size == (1080, 2340)
    assert "撤回同意" in ui_blob(store, withdrawn["evidence"]["before"]["dump"]).decode()
    html_path = tmp_path / "w.html"
    r = cli("report", "w", "--format", "html", "--output", str(html_path), db=db, timeout=120)
    assert r.returncode == 0, r.stderr
    html = html_path.read_text(encoding="utf-8")
    assert html.count('class="consent-screen"') == 3 and html.count("data:image/png;base64,") == 3


def test_data_cleared_between_runs_unless_kept(cli, tmp_path):
    from analyzer.store import open_store

    db = f"sqlite:///{tmp_path / 'k.db'}"
    first = cli(*run_args("compliant", "accept", "first"), db=db, timeout=180)  # the matrix's compliant x accept session
    assert first.returncode == 0, first.stdout + first.stderr
    for name, extra in (("kept", ["--consent", "none", "--keep-data"]), ("cleared", ["--consent", "none"])):
        r = cli("run", "--app", "compliant", *extra, "--session", name, "--dialog-timeout", NONE_DIALOG_TIMEOUT_S, "-q",
                db=db, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
    store = open_store(db)
    assert_meets_expectation(store, "compliant", "accept", "first", first.stdout)
    shown = {n: [c["action"] for c in _consent(store, store.get_session(n))] for n in ("first", "kept", "cleared")}
    assert shown["first"] == ["shown", "granted"]
    assert shown["kept"] == []  # the app remembered the earlier "agreed": no privacy screen
    assert shown["cleared"] == ["shown"]
    assert "no consent screen found" in store.get_session("kept").status_detail
