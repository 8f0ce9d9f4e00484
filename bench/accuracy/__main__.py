"""``python -m bench.accuracy``: watch a newsroom for a while, then score the events.

    python -m bench.accuracy [--articles 300] [--minutes 5] [--faults unavailable=0.02]

One clock and one worker; the sped-up policy of :mod:`bench.watch`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from bench.newsroom.server import Faults, NewsroomConfig
from bench.newsroom.story import EditPlan
from bench.watch import MAX_INTERVAL, watching


def main(argv: list[str] | None = None) -> int:
    """Runs the newsroom and redline, then prints the score."""
    cli = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__)
    cli.add_argument("--articles", type=int, default=300)
    cli.add_argument("--sites", type=int, default=8)
    cli.add_argument("--minutes", type=float, default=5.0)
    cli.add_argument("--edit-share", type=float, default=0.4)
    cli.add_argument("--faults", default="", help="as for python -m bench.newsroom")
    args = cli.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    duration = args.minutes * 60
    config = NewsroomConfig(
        articles=args.articles,
        sites=args.sites,
        edits=EditPlan(share=args.edit_share, edits=3, first=20, spacing=50, spread=40),
        faults=Faults.parse(args.faults),
    )
    with watching(config) as watch:
        watch.start("clock")
        watch.start("worker")
        print(f"watching {config.articles} articles for {duration:.0f}s", flush=True)
        time.sleep(duration)  # the length of the run, not a wait for a condition
        watch.children.stop_all()
        # Edits in the last stretch of the run may not have been checked yet: not counted.
        result = watch.score(until=duration - 2 * MAX_INTERVAL)
        cost = watch.cost()
    print("\n".join(result.lines()))
    print(cost)
    return 0


if __name__ == "__main__":
    sys.exit(main())
