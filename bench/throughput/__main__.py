"""``python -m bench.throughput``: checks per second of redline workers (see
:mod:`bench.throughput.run`), printed per case, with the raw fetch ceiling measured in the
same run.

    python -m bench.throughput [--articles 10000] [--cases a-304,a-same,b,c] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from bench.throughput.run import CASES, Figures, run_case

URLWATCH_BEST = 70.0
"""Checks per second of the best of urlwatch and changedetection.io on this machine, set to
ignore the same boilerplate (the figure the targets are set against)."""


def report(figures: list[Figures], workers: tuple[int, ...]) -> list[str]:
    """The figures as a table, with the ratios the targets are about."""
    lines = [
        "| case | workers | checks/s | raw fetch ceiling/s | share of ceiling | vs 70/s |"
        " worker CPU ms/check | newsroom, redis, clock CPU ms/check |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        description = next(c.description for c in CASES if c.name == figure.case)
        for count in workers:
            per_s = figure.checks_per_s[count]
            ceiling = figure.ceiling_per_s[count]
            others = ", ".join(f"{v:.2f}" for v in figure.other_cpu_ms[count].values())
            lines.append(
                f"| {figure.case}: {description} | {count} | {per_s:.0f} | {ceiling:.0f} |"
                f" {per_s / ceiling:.0%} | {per_s / URLWATCH_BEST:.1f}x |"
                f" {figure.worker_cpu_ms[count]:.2f} | {others} |"
            )
    lines.append("")
    for figure in figures:
        one, two = figure.checks_per_s.get(1), figure.checks_per_s.get(2)
        if one and two:
            lines.append(f"{figure.case}: two workers / one = {two / one:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Runs the cases and prints the table."""
    cli = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    cli.add_argument("--articles", type=int, default=10_000)
    cli.add_argument("--sites", type=int, default=8)
    cli.add_argument("--pass-size", type=int, default=0, help="checks per measured pass (all)")
    cli.add_argument("--cases", default=",".join(c.name for c in CASES))
    cli.add_argument("--workers", default="1,2", help="worker counts to measure (1,2)")
    cli.add_argument("--json", type=Path, help="also write the figures here")
    args = cli.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so every process the run started is stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    wanted = args.cases.split(",")
    workers = tuple(int(n) for n in args.workers.split(","))
    pass_size = args.pass_size or args.articles
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {args.articles} articles on {args.sites} sites, {pass_size} checks per pass",
        flush=True,
    )
    figures = []
    for case in CASES:
        if case.name in wanted:
            figures.append(run_case(case, args.articles, args.sites, workers, pass_size))
            print(f"{case.name}: {figures[-1].checks_per_s}", file=sys.stderr, flush=True)
    print("\n".join(report(figures, workers)))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
