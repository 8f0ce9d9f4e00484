"""``python -m bench.accuracy``: watch a newsroom for a while, then score the events.

    python -m bench.accuracy [--articles 300] [--minutes 5] [--faults unavailable=0.02]
    python -m bench.accuracy --generated --sites 200 --articles 600 --seed 2

One clock and one worker; the sped-up policy of :mod:`bench.watch`, no source rules but
the ``ruled`` layout's. With ``--generated``, every site has a layout of its own, generated
from ``--seed`` (:mod:`scheduler.newsroom.generated`), and the score is also given per layout
family (how the layouts mark up their paragraphs).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import TYPE_CHECKING

from bench.watch import MAX_INTERVAL, watching
from scheduler.newsroom.generated import PREFIX as GENERATED
from scheduler.newsroom.generated import drawn
from scheduler.newsroom.server import Faults, NewsroomConfig
from scheduler.newsroom.story import EditPlan

if TYPE_CHECKING:
    from bench.newsroom.score import Score


def main(argv: list[str] | None = None) -> int:
    """Runs the newsroom and redline, then prints the score."""
    cli = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__)
    cli.add_argument("--articles", type=int, default=300)
    cli.add_argument("--sites", type=int, default=8)
    cli.add_argument("--minutes", type=float, default=5.0)
    cli.add_argument("--edit-share", type=float, default=0.4)
    cli.add_argument("--faults", default="", help="as for python -m bench.newsroom")
    cli.add_argument("--generated", action="store_true", help="a generated layout per site")
    cli.add_argument("--seed", type=int, default=1, help="of the text, edits and layouts")
    args = cli.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    duration = args.minutes * 60
    config = NewsroomConfig(
        articles=args.articles,
        sites=args.sites,
        edits=EditPlan(share=args.edit_share, edits=3, first=20, spacing=50, spread=40),
        faults=Faults.parse(args.faults),
        seed=args.seed,
        generated=args.generated,
    )
    with watching(config) as watch:
        watch.start("clock")
        watch.start("worker")
        print(f"watching {config.articles} articles for {duration:.0f}s", flush=True)
        time.sleep(duration)  # the length of the run, not a wait for a condition
        watch.children.stop_all()
        # Edits in the last stretch of the run may not have been checked yet: not counted.
        until = duration - 2 * MAX_INTERVAL
        result = watch.score(until)
        families: dict[str, Score] = {}
        if config.generated:
            members: dict[str, set[int]] = {}
            for index in range(config.articles):
                layout = config.layout(config.site(index)).removeprefix(GENERATED)
                members.setdefault(drawn(int(layout)).family, set()).add(index)
            families = {name: watch.score(until, only) for name, only in members.items()}
        cost = watch.cost()
        stories = {index: watch.timeline(index) for index, _ in result.false}
    print("\n".join(result.lines()))
    print(cost)
    for name, family in sorted(families.items()):
        print(
            f"family {name}: {family.edits} edits, recall {family.recall:.1%}, "
            f"false events {family.false_events}, "
            f"requests after the stability window {family.extra_requests}"
        )
    for index, lines in sorted(stories.items()):
        print(f"article {index}, with a false event (offsets in seconds from the start):")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
