"""``python -m bench.accuracy``: watch a newsroom for a while, then score the events.

    python -m bench.accuracy [--articles 300] [--minutes 5] [--faults unavailable=0.02]

The recheck policy is sped up (checks every 10 s at first, at most every 40 s, stable after
2 minutes without a change) so that minutes of run show what days would.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.newsroom.score import score
from bench.newsroom.server import Faults, Newsroom, NewsroomConfig
from bench.newsroom.settings import redline_toml
from bench.newsroom.story import EditPlan
from bench.processes import Children
from crawler.connection import connect
from crawler.keys import Keys
from crawler.store import ArticleStore
from scheduler.embedded import EmbeddedRedis

POLICY = {
    "initial_interval": "10s",
    "backoff_factor": 1.5,
    "max_interval": "40s",
    "stability_window": "2m",
    "confirm_delay": "2s",
    "retry_interval": "5s",
}
STABILITY_WINDOW = 120.0
MAX_INTERVAL = 40.0


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
    with tempfile.TemporaryDirectory(prefix="redline-accuracy-", dir="/tmp") as tmp:
        workdir = Path(tmp)
        newsroom = Newsroom(config).start()
        children = Children(workdir / "children.log")
        try:
            urls = workdir / "urls.txt"
            urls.write_text("".join(f"{newsroom.url(i)}\n" for i in range(config.articles)))
            settings = {
                "urls_file": str(urls),
                "state_dir": str(workdir / "state"),
                "concurrency": 32,
                "per_domain_concurrency": 4,
                "obey_robots_txt": False,
                "download_timeout": "5s",
                "max_page_size": "5MB",
                "log_level": "WARNING",
                **POLICY,
            }
            layouts = [config.layout(site) for site in range(config.sites)]
            (workdir / "redline.toml").write_text(redline_toml(newsroom.hosts, layouts, settings))
            with EmbeddedRedis(workdir / "state") as server:
                env = {"REDIS_URL": server.url, "REDLINE_CONFIG": str(workdir / "redline.toml")}
                children.python("-m", "scheduler.cli", "clock", env=env)
                children.python("-m", "scheduler.cli", "worker", env=env)
                print(f"watching {config.articles} articles for {duration:.0f}s", flush=True)
                time.sleep(duration)  # the length of the run, not a wait for a condition
                children.stop_all()
                store = ArticleStore(connect(server.url), Keys("redline:"))
                events, before = [], ""
                while page := store.recent_events(500, before):
                    events.extend(stored.event for stored in page)
                    before = page[-1].event_id
        finally:
            children.stop_all()
            newsroom.stop()
    # Edits in the last stretch of the run may not have been checked yet: not counted.
    result = score(
        config,
        newsroom.started,
        events,
        newsroom.requests,
        until=duration - 2 * MAX_INTERVAL,
        stability_window=STABILITY_WINDOW,
    )
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
