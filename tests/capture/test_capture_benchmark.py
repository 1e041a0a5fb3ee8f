"""The overhead benchmark runs end to end at a small size and reports what the docs say."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "capture_overhead.py"
PG = os.environ.get("CONSENTRY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.mark.parametrize("stores", ["sqlite", pytest.param("sqlite,postgresql", marks=pytest.mark.postgres)])
def test_small_interleaved_run_reports_rates_cpu_and_the_target(stores):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--requests", "30", "--clients", "3", "--rounds", "2", "--warmup", "10",
         "--large-every", "5", "--stores", stores, "--pg", PG, *(["--breakdown"] if stores == "sqlite" else [])],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    names = stores.split(",")
    round_line = r"^round \d: plain .* req/s .* ms CPU/req" + "".join(rf" \| {n} .* req/s .* ms CPU/req" for n in names) + "$"
    assert len(re.findall(round_line, text, re.M)) == 2, text
    labels = ["plain mitmdump"] + [f"capture, {n}" for n in names]
    for label in [f"{lb} req/s" for lb in labels] + [f"{lb} CPU ms/req" for lb in labels]:
        assert re.search(rf"^{re.escape(label)}\s+\d+\.\d+\s+\d+\.\d+-\d+\.\d+$", text, re.M), label
    for name in names:
        assert re.search(rf"^{name}: CPU per request cost [+-]\d+\.\d% \(per-round pairs: median [+-]\d+\.\d%", text, re.M)
        assert re.search(rf"^{name}: target, addon costs <= 5%: CPU per request \(figure of record\) (MET|NOT MET)",
                         text, re.M)
        assert re.search(rf"^{name}: addon session .*: all 70 requests stored$", text, re.M)  # 10 + 2 x 30
    if stores == "sqlite":  # each step of the data path, against plain mitmdump, then the store write
        for step in ("addon loaded, its flow hooks return at once", "+ snapshot of each flow on the event loop",
                     "+ writer thread makes the rows (no transaction)", "+ store write, sqlite (the full addon)"):
            assert re.search(rf"^  {re.escape(step)}\s+[+-]\d+\.\d%\s+[+-]\d+\.\d%\s+[+-]\d+$", text, re.M), step


def test_bad_arguments_are_refused_with_one_line():
    for args, message in ((["--rounds", "0"], "must be >= 1"), (["--stores", "mysql"], "--stores")):
        out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
