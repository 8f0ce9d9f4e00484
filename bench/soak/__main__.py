"""``python -m bench.soak``: a long run with faults on; memory must stay flat.

    python -m bench.soak [--articles 3000] [--minutes 30] [--workers 2]

The newsroom keeps editing half its articles all through the run (an edit every 150 s or
so, each), with every fault on (503s, slow answers, resets, pages that go away, redirects
and pages past the size limit). Every ``--sample`` seconds the resident memory of the
clock, each worker and Redis is read from ``/proc``. Memory is flat when the median of the
last third of the samples is at most ``--growth`` (default 3%) plus 4 MB above the median
of the middle third (the first third is warm-up). Exits 0 only if every process's memory is
flat and none exited by itself.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
from pathlib import Path

from bench.watch import watching
from scheduler.newsroom.server import Faults, NewsroomConfig
from scheduler.newsroom.story import EditPlan

FAULTS = "unavailable=0.02,slow=0.01,reset=0.01,gone=0.01,redirect=0.01,huge=0.005"
# Slower than bench.watch's policy: thousands of articles, two cores.
POLICY = {"initial_interval": "30s", "max_interval": "2m", "stability_window": "10m"}
# Absolute slack on top of the allowed growth, in bytes: allocator noise.
SLACK = 4 * 1024 * 1024


def rss(pid: int) -> int | None:
    """The resident memory of process ``pid`` in bytes (None if it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


def flat(samples: list[int], growth: float) -> tuple[float, float, bool]:
    """The medians of the middle and last thirds of ``samples`` (in MB) and whether the
    last is within ``growth`` (a share) plus :data:`SLACK` of the middle."""
    third = len(samples) // 3
    middle = statistics.median(samples[third : 2 * third])
    last = statistics.median(samples[2 * third :])
    return middle / 2**20, last / 2**20, last <= middle * (1 + growth) + SLACK


def trend(samples: list[int], period: float) -> float:
    """The least-squares slope of ``samples`` (taken every ``period`` seconds) after the
    first third, in MB per hour: shown with the verdict, not part of it."""
    steady = samples[len(samples) // 3 :]
    if len(steady) < 2:
        return 0.0
    times = [n * period / 3600 for n in range(len(steady))]
    return statistics.linear_regression(times, [size / 2**20 for size in steady]).slope


def main(argv: list[str] | None = None) -> int:
    """Runs the soak, then prints memory per process and the score."""
    cli = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    cli.add_argument("--articles", type=int, default=3000)
    cli.add_argument("--sites", type=int, default=8)
    cli.add_argument("--workers", type=int, default=2)
    cli.add_argument("--minutes", type=float, default=30.0)
    cli.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    cli.add_argument("--growth", type=float, default=0.03)
    cli.add_argument("--faults", default=FAULTS, help="as for python -m bench.newsroom")
    args = cli.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    duration = args.minutes * 60
    edits = max(1, int(duration / 150))
    config = NewsroomConfig(
        articles=args.articles,
        sites=args.sites,
        edits=EditPlan(share=0.5, edits=edits, first=30, spacing=150, spread=60),
        faults=Faults.parse(args.faults),
    )
    with watching(config, POLICY) as watch:
        roles = {"clock": watch.start("clock")}
        roles |= {f"worker-{n}": watch.start("worker") for n in range(args.workers)}
        pids = {name: process.pid for name, process in roles.items()}
        pids["redis"] = int((watch.workdir / "state" / "redis.pid").read_text())
        print(
            f"{config.articles} articles, faults {args.faults or 'none'}, "
            f"{args.workers} workers, {duration:.0f}s",
            flush=True,
        )
        samples: dict[str, list[int]] = {name: [] for name in pids}
        started = time.monotonic()
        while time.monotonic() < started + duration:
            for name, pid in pids.items():
                if (size := rss(pid)) is not None:
                    samples[name].append(size)
            time.sleep(args.sample)  # the sampling period, not a wait for a condition
        exited = [name for name, process in roles.items() if process.poll() is not None]
        watch.children.stop_all()
        done = watch.store.counters.last_minutes(time.time(), minutes=int(args.minutes) + 2)
        result = watch.score(until=duration - 2 * 120)
        repeated = watch.repeated_versions()
    passed = not exited
    print(f"{'process':<10} {'middle MB':>10} {'last MB':>8} {'trend MB/h':>11}  flat")
    for name, sizes in samples.items():
        middle, last, ok = flat(sizes, args.growth)
        passed &= ok
        hourly = trend(sizes, args.sample)
        print(f"{name:<10} {middle:>10.1f} {last:>8.1f} {hourly:>+11.1f}  {'yes' if ok else 'NO'}")
    print(f"processes that exited by themselves: {', '.join(exited) or 'none'}")
    print(
        f"checks: {done['checks']}, changes: {done['changes']}, errors: {done['errors']}, "
        f"extraction failures: {done['extraction_failures']}"
    )
    print("\n".join(result.lines()))
    print(f"versions recorded twice: {repeated}")
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
