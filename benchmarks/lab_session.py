"""Wall time of whole lab sessions (`consentry run --device lab`), phase by phase.

Runs each scenario/plan N times on the session path that starts mitmdump alongside the JVM
and ends a run as soon as the app is quiet (no hook events, no flows in flight, main looper
idle, consent plan done), and, in the same run as the baseline, the same sessions on the old
path: proxy, then JVM, in turn, and the end on the lab app's own idle timer
(`--dialog-timeout`, 6 s as the tests use). The floor is what no session
can go below: a bare JVM reaching its start gate and a bare mitmdump accepting connections.

    .venv/bin/python benchmarks/lab_session.py              # 3 rounds of each case
    .venv/bin/python benchmarks/lab_session.py --rounds 1 --case preconsent_leak:accept

Phases (seconds, median over the rounds), from the runner's own marks (RunResult.marks):
proxy ready (mitmdump starts alongside the JVM when its CA exists), device start (JVM to
its gate), Frida (clock probe + agent load), start (all of it, up to the release), hooks
ready (release to hooks:ready), time to the consent screen (from release), consent
driving, waiting for the end (after the plan is done), shutdown (flush, stop, restore),
analysis, report (HTML, written by the benchmark).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CASES = ("preconsent_leak:accept", "refusal_ignored:refuse", "withdraw:withdraw", "splash_consent:accept",
         "api_tour:none")
OLD_DIALOG_TIMEOUT_MS = 6000  # what the session tests pass as --dialog-timeout
PHASES = ("proxy", "device", "frida", "start", "hooks_ready", "to_screen", "driving", "wait_end", "shutdown",
          "analysis", "report", "total")


def phases(marks: dict[str, float], report_s: float) -> dict[str, float]:
    ready = marks.get("hooks_ready", 0.0)
    plan_done = max(marks.get("consent_done", ready), ready)
    analysed = marks.get("analysed", marks.get("shutdown", 0.0))
    proxy, spawned = marks.get("proxy", 0.0), marks.get("spawned", 0.0)
    return {
        "proxy": proxy,  # ready, since the session row was made (alongside the JVM when it can)
        "device": spawned - (proxy if proxy <= spawned else 0.0),
        "frida": marks.get("hooks_loaded", 0.0) - spawned,
        "start": marks.get("released", 0.0),  # everything before the app runs
        "hooks_ready": ready - marks.get("released", 0.0),
        "to_screen": marks["consent_screen"] - marks.get("released", 0.0) if "consent_screen" in marks else float("nan"),
        "driving": plan_done - marks.get("consent_screen", plan_done),
        "wait_end": marks.get("ended", 0.0) - plan_done,
        "shutdown": marks.get("shutdown", 0.0) - marks.get("ended", 0.0),
        "analysis": analysed - marks.get("shutdown", 0.0),
        "report": report_s,
        "total": analysed + report_s,
    }


def run_case(store, case: str, *, quiet_end: bool, session: str) -> dict[str, float]:
    from analyzer.report.build import build_report
    from analyzer.report import write_report
    from analyzer.runner.demo import plan_for
    from analyzer.runner.run import run_session
    from analyzer.runner.session import RunConfig

    scenario, choice = case.split(":")
    config = RunConfig(device="lab", app=scenario, consent=plan_for(choice), session_name=session,
                       dialog_timeout_ms=OLD_DIALOG_TIMEOUT_MS, end_when_quiet=quiet_end, start_alongside=quiet_end)
    result = run_session(store, config)
    if result.status != "finished":
        raise SystemExit(f"{case}: session {session} ended {result.status}: {result.status_detail}")
    started = time.monotonic()
    write_report(build_report(store, session), "html", io.StringIO())
    return phases(result.marks, time.monotonic() - started)


def floor(rounds: int) -> dict[str, float]:
    """A bare JVM to its start gate, and a bare mitmdump to accepting connections."""
    from analyzer.capture.proxy import start_proxy
    from analyzer.lab.launch import LabProcess, lab_command

    jvm, proxy = [], []
    for _ in range(rounds):
        started = time.monotonic()
        with LabProcess(lab_command("compliant", proxy=None, truststore=None)) as app:
            app.wait_for_line("LAB:WAITING", timeout=60)
            jvm.append(time.monotonic() - started)
        started = time.monotonic()
        handle = start_proxy(None, "floor")
        proxy.append(time.monotonic() - started)
        handle.stop()
    return {"jvm_to_gate": statistics.median(jvm), "mitmdump_ready": statistics.median(proxy)}


def table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"{'case':<26}" + "".join(f"{p:>12}" for p in PHASES))
    for case, values in rows.items():
        print(f"{case:<26}" + "".join(f"{values[p]:>12.2f}" for p in PHASES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", action="append", help="SCENARIO:CHOICE (repeatable); default: " + ", ".join(CASES))
    parser.add_argument("--no-baseline", action="store_true", help="skip the old path")
    args = parser.parse_args()
    cases = args.case or list(CASES)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSENTRY_DB"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        from analyzer.lab.build import ensure_built
        from analyzer.store import open_store

        ensure_built()
        store = open_store(os.environ["CONSENTRY_DB"])
        modes = [("quiet", True)] + ([] if args.no_baseline else [("old", False)])
        samples: dict[str, dict[str, dict[str, list[float]]]] = {m: {} for m, _ in modes}
        for n in range(args.rounds):  # interleaved, so load drift hits both paths alike
            for case in cases:
                for mode, quiet_end in modes:
                    got = run_case(store, case, quiet_end=quiet_end, session=f"{case.replace(':', '-')}-{mode}-{n}")
                    for phase, value in got.items():
                        samples[mode].setdefault(case, {}).setdefault(phase, []).append(value)
        bare = floor(args.rounds)
    load = os.getloadavg()
    print(f"lab sessions: {args.rounds} round(s) per case, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for mode, _ in modes:
        rows = {case: {p: statistics.median(v) for p, v in phases_.items()} for case, phases_ in samples[mode].items()}
        title = ("proxy alongside the JVM, session ends when the app is quiet (seconds, median)" if mode == "quiet" else
                 f"baseline, same run: proxy then JVM, session ends on the app's own idle timer "
                 f"({OLD_DIALOG_TIMEOUT_MS / 1000:g} s)")
        table(title, rows)
    if len(modes) == 2:
        print("\ntotal per session: quiet / baseline")
        for case in cases:
            new = statistics.median(samples["quiet"][case]["total"])
            old = statistics.median(samples["old"][case]["total"])
            print(f"  {case:<26} {new:6.2f} s / {old:6.2f} s  ({new / old:.2f}x)")
    print(f"\nfloor: bare JVM to its start gate {bare['jvm_to_gate']:.2f} s, bare mitmdump ready {bare['mitmdump_ready']:.2f} s")


if __name__ == "__main__":
    main()
