"""Render time and file size of reports with 100 / 1,000 / 10,000 findings, and of a
session of 20,000 requests carrying two personal-data items each (40,000 findings).

Usage: python benchmarks/report_render.py [--sizes 100,1000,10000] [--repeat 3] [--requests 20000]
       python benchmarks/report_render.py --quick      (small sizes, for a busy machine)
Prints one line per (size, format): best render time in seconds and output size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "report"))

from analyzer.report import redact_report, render  # noqa: E402
from report_factory import make_report  # noqa: E402


def measure(n: int, fmt: str, repeat: int, redact: bool) -> tuple[float, int]:
    report = make_report(n, choice="withdraw")
    best, size = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        text = render(report, fmt, redact=redact)
        best = min(best, time.perf_counter() - started)
        size = len(text.encode("utf-8"))
    return best, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="html,md,json")
    parser.add_argument("--requests", type=int, default=20_000, help="requests of the large-session measurement")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 and 2,000 requests, one repeat")
    parser.add_argument("--pdf", action="store_true", help="also time the PDF of the large session (WeasyPrint)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat, args.requests = "100,1000", 1, 2000
    print(f"{'findings':>9} {'format':>6} {'redact':>6} {'seconds':>8} {'size':>12}")
    for n in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            for redact in (False, True) if fmt == "html" else (False,):
                seconds, size = measure(n, fmt, args.repeat, redact)
                print(f"{n:>9} {fmt:>6} {str(redact).lower():>6} {seconds:>8.3f} {size / 1024:>9.1f} KiB")
    session = make_report(args.requests * 2, choice="withdraw", items_per_request=2)
    started = time.perf_counter()
    html = render(session, "html")
    print(f"{args.requests} requests ({len(session.findings)} findings) html: {time.perf_counter() - started:.3f} s, "
          f"{len(html.encode('utf-8')) / 1024 / 1024:.2f} MiB (limit 10 s, 10 MiB)")
    if args.pdf:
        started = time.perf_counter()
        pdf = render(session, "pdf", lang="zh")
        print(f"{args.requests} requests pdf (zh): {time.perf_counter() - started:.3f} s, {len(pdf) / 1024:.0f} KiB")
    big = make_report(10_000)
    started = time.perf_counter()
    redact_report(big)
    print(f"redact_report(10,000 findings): {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main()
