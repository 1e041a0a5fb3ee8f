"""Per-run app state: force-stop and clear before the spawn; refuse/none runs need cleared data."""

from __future__ import annotations

import pytest

from analyzer.devices.base import AppTarget, DeviceError, PermissionPolicy
from analyzer.runner.appstate import AppStateError, prepare_app_state
from analyzer.runner.plan import parse_consent_plan
from tests.runner.test_usb import FakePhoneAdb, answers, backend

TARGET = AppTarget(requested="com.example.app", package="com.example.app")


@pytest.mark.parametrize("plan", ["accept", "refuse", "none", "withdraw-after=3"])
def test_force_stop_then_clear(plan):
    adb = FakePhoneAdb(answers())
    notes = prepare_app_state(backend(adb), TARGET, parse_consent_plan(plan), keep_data=False)
    assert notes == []
    order = [c for c in adb.commands if c.startswith(("am force-stop", "pm clear"))]
    assert order == ["am force-stop com.example.app", "pm clear com.example.app"]


def test_keep_data_does_not_clear():
    adb = FakePhoneAdb(answers())
    prepare_app_state(backend(adb), TARGET, parse_consent_plan("refuse"), keep_data=True)
    assert adb.cleared == [] and adb.stopped == ["com.example.app"]


def test_refuse_and_none_runs_need_cleared_data():
    for plan in ("refuse", "refuse=exit", "none"):
        adb = FakePhoneAdb(answers(), clear_answer="Failed")
        with pytest.raises(AppStateError, match=f"not starting a {plan} run: the data of com.example.app could not "
                                                "be cleared \\(could not clear the data of com.example.app: pm clear said Failed\\)"):
            prepare_app_state(backend(adb), TARGET, parse_consent_plan(plan), keep_data=False)
    adb = FakePhoneAdb(answers(), clear_answer="Failed")
    notes = prepare_app_state(backend(adb), TARGET, parse_consent_plan("accept"), keep_data=False)
    assert notes == ["app data not cleared: could not clear the data of com.example.app: pm clear said Failed"]


def test_consentry_run_refuses_with_one_line_and_exit_2(monkeypatch, tmp_path, capsys):
    import analyzer.runner.run as run_module
    from analyzer.cli import main
    from analyzer.store import open_store

    db = f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("CONSENTRY_DB", db)
    adb = FakePhoneAdb(answers(), clear_answer="Failed")
    monkeypatch.setattr(run_module, "open_backend", lambda spec, **kw: backend(adb))
    with pytest.raises(SystemExit) as info:
        main(["run", "--device", "usb", "--app", "com.example.app", "--consent", "refuse", "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("consentry: error: not starting a refuse run: the data of com.example.app")
    assert "Traceback" not in err
    assert open_store(db).list_sessions() == []  # nothing recorded, nothing half-done
    assert adb.settings["http_proxy"] == "null"  # the phone was not touched


@pytest.mark.parametrize("args,message", [
    (["--permissions", ","], "--permissions takes none, all or a comma-separated list"),
    (["--consent-timeout", "0"], "--consent-timeout must be > 0"),
    (["--consent", "refuse=later"], "--consent must be accept, refuse, refuse=browse|exit"),
])
def test_run_flag_errors(monkeypatch, tmp_path, capsys, args, message):
    from analyzer.cli import main

    monkeypatch.setenv("CONSENTRY_DB", f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(SystemExit) as info:
        main(["run", "--device", "usb", "--app", "com.example.app", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_bad_lexicon_file_is_one_line(monkeypatch, tmp_path, capsys):
    import analyzer.runner.run as run_module
    from analyzer.cli import main

    monkeypatch.setenv("CONSENTRY_DB", f"sqlite:///{tmp_path / 'c.db'}")
    monkeypatch.setattr(run_module, "open_backend", lambda spec, **kw: backend(FakePhoneAdb(answers())))
    bad = tmp_path / "lex.json"
    bad.write_text('{"acept": ["ok"]}', encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["run", "--device", "usb", "--app", "com.example.app", "--lexicon", str(bad), "--quiet"])
    assert info.value.code == 2
    assert f"{bad}: unknown lexicon list 'acept'" in capsys.readouterr().err


def test_permission_policy_parse():
    assert PermissionPolicy.parse("all").mode == "all"
    assert PermissionPolicy.parse("a.B, c.D").names == ("a.B", "c.D")
    with pytest.raises(ValueError):
        PermissionPolicy.parse(" , ")
    assert issubclass(AppStateError, DeviceError)
