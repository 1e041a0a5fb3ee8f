"""The overhead benchmark runs end to end at a small size and reports what the docs say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "capture_overhead.py"


def test_small_interleaved_run_reports_rates_cpu_and_the_target():
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--requests", "30", "--clients", "3", "--rounds", "2", "--warmup", "10",
         "--large-every", "5"],
        capture_output=True, text=True, timeout=240,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert len(re.findall(r"^round \d: plain .* req/s .* ms CPU/req \| addon .* req/s .* ms CPU/req$", text, re.M)) == 2
    for label in ("plain mitmdump req/s", "mitmdump + capture req/s", "plain mitmdump CPU ms/req",
                  "mitmdump + capture CPU ms/req"):
        assert re.search(rf"^{re.escape(label)}\s+\d+\.\d+\s+\d+\.\d+-\d+\.\d+$", text, re.M), label
    assert re.search(r"^CPU per request ratio \(addon/plain\):\s+\d\.\d{3}\s+cost [+-]\d+\.\d%", text, re.M)
    assert re.search(r"^target, addon costs <= 10%: CPU per request \(figure of record\) (MET|NOT MET)", text, re.M)
    assert "all 70 requests stored" in text  # 10 warm-up + 2 rounds x 30, every one in the store


def test_bad_arguments_are_refused_with_one_line():
    out = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "must be >= 1" in out.stderr and "Traceback" not in out.stderr
