"""Manual consent marks: refused when untrustworthy, --force flags them, list/delete audited."""

from __future__ import annotations

import json

from analyzer.store import open_store
from analyzer.store.types import from_epoch_ms
from tests.analysis import corpus as c
from tests.evidence.test_finding_model import three_posts


def at(ms: float) -> str:
    return from_epoch_ms(c.T0 + ms).isoformat()


def one_line_error(result, *fragments):
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("consentry: error:"), result.stderr
    for frag in fragments:
        assert frag in lines[0]


def test_untrustworthy_marks_are_refused(sqlite_url, run):
    three_posts(open_store(sqlite_url)).commit()  # dialog at +2000 ms, granted (ui) at +2500 ms
    months_before = from_epoch_ms(c.T0 - 90 * 86400_000).isoformat()
    one_line_error(run("mark", "consent", "granted", "--session", "three", "--at", months_before), "before the session started")
    one_line_error(run("mark", "consent", "granted", "--session", "three", "--at", at(300)), "before the consent dialog")
    one_line_error(run("mark", "consent", "refused", "--session", "three", "--at", at(2600)), "recorded consent events say granted")
    assert json.loads(run("mark", "list", "--session", "three", "--json").stdout)["marks"] == []


def test_forced_mark_is_flagged_in_reports_and_changes_verdicts_visibly(sqlite_url, run):
    three_posts(open_store(sqlite_url)).commit()
    before = json.loads(run("analyze", "three", "--json").stdout)["verdicts"]["pre-consent-transmission"]
    assert before == 6
    forced = run("mark", "consent", "granted", "--session", "three", "--at", at(150), "--force", "--by", "tester-a")
    assert forced.exit_code == 0 and "FORCED" in forced.stdout
    after = json.loads(run("analyze", "three", "--json").stdout)["verdicts"]["pre-consent-transmission"]
    assert after < before
    doc = json.loads(run("report", "three", "--format", "json").stdout)
    flagged = [m for m in doc["consent"] if m.get("forced")]
    assert len(flagged) == 1 and "before the consent dialog" in flagged[0]["forced_reason"]
    assert [a["change"] for a in doc["marks_audit"]] == ["forced"] and doc["marks_audit"][0]["who"] == "tester-a"
    html = run("report", "three", "--format", "html").stdout
    assert 'class="notice forced-marks"' in html and 'data-forced="true"' in html and "tester-a" in html
    zh = run("report", "three", "--format", "html", "--lang", "zh").stdout
    assert "以 --force 录入的人工同意标记" in zh


def test_list_and_delete_by_unique_prefix_are_audited(sqlite_url, run):
    b = c.SessionBuilder(open_store(sqlite_url), "manual")
    b.flow(100, "GET", f"https://ulogs.umeng.com/x?aid={c.ANDROID_ID}")
    b.flow(5000, "GET", f"https://ulogs.umeng.com/x?aid={c.ANDROID_ID}")
    b.commit()
    ok = run("mark", "consent", "granted", "--session", "manual", "--at", at(1000), "--by", "tester-b", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["action"] == "granted" and not json.loads(ok.stdout)["forced"]
    listed = json.loads(run("mark", "list", "--session", "manual", "--json").stdout)
    assert len(listed["marks"]) == 1 and not listed["marks"][0]["forced"]
    mark_id = listed["marks"][0]["id"]
    table = run("mark", "list", "--session", "manual", columns=80).stdout
    assert mark_id[:8] in table and "tester-b" in table
    one_line_error(run("mark", "delete", "zzzz", "--session", "manual"), "no mark")
    deleted = run("mark", "delete", mark_id[:8], "--session", "manual", "--by", "tester-c")
    assert deleted.exit_code == 0, deleted.stderr
    after = json.loads(run("mark", "list", "--session", "manual", "--json").stdout)
    assert after["marks"] == []
    assert [(a["change"], a["who"]) for a in after["audit"]] == [("created", "tester-b"), ("deleted", "tester-c")]
    html = run("report", "manual", "--format", "html").stdout
    assert html.count('class="mark-change"') == 2


def test_marks_and_audit_on_each_backend(store_url, run):
    """The audit table and mark checks on SQLite and PostgreSQL alike."""
    three_posts(open_store(store_url)).commit()
    refused = run("mark", "consent", "refused", "--session", "three", "--at", at(2600), db=store_url)
    assert refused.exit_code == 2
    forced = run("mark", "consent", "refused", "--session", "three", "--at", at(2600), "--force", "--by", "pg", "--json",
                 db=store_url)
    assert forced.exit_code == 0, forced.stderr
    mark = json.loads(forced.stdout)
    assert run("mark", "delete", mark["id"][:10], "--session", "three", db=store_url).exit_code == 0
    audit = json.loads(run("mark", "list", "--session", "three", "--json", db=store_url).stdout)["audit"]
    assert [a["change"] for a in audit] == ["forced", "deleted"]
