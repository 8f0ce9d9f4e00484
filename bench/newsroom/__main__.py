"""``python -m bench.newsroom``: serve a local newsroom until interrupted.

    python -m bench.newsroom --articles 10000 --sites 8 --urls /tmp/urls.txt

writes the articles' URLs (one per line, the format of redline's URLs file) and, with
``--info``, the newsroom's settings and addresses as JSON, once it listens.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scheduler.newsroom.server import Faults, Newsroom, NewsroomConfig, run_forever
from scheduler.newsroom.story import EditPlan


def config_from(args: argparse.Namespace) -> NewsroomConfig:
    """The newsroom settings the command line asks for."""
    return NewsroomConfig(
        articles=args.articles,
        sites=args.sites,
        seed=args.seed,
        edits=EditPlan(
            share=args.edit_share,
            edits=args.edits,
            first=args.first_edit,
            spacing=args.edit_spacing,
            spread=args.edit_spread,
        ),
        churn=not args.no_churn,
        etag=args.etag,
        every_request=args.every_request,
        faults=Faults.parse(args.faults),
    )


def parser() -> argparse.ArgumentParser:
    """The command line."""
    cli = argparse.ArgumentParser(prog="python -m bench.newsroom", description=__doc__)
    cli.add_argument("--articles", type=int, default=100, help="how many articles (100)")
    cli.add_argument("--sites", type=int, default=4, help="over how many sites (4)")
    cli.add_argument("--seed", type=int, default=1)
    cli.add_argument("--edit-share", type=float, default=0.2, help="share of articles edited")
    cli.add_argument("--edits", type=int, default=2, help="most edits per edited article")
    cli.add_argument("--first-edit", type=float, default=60.0, help="seconds to first edit")
    cli.add_argument("--edit-spacing", type=float, default=120.0, help="seconds between edits")
    cli.add_argument("--edit-spread", type=float, default=60.0, help="random extra seconds")
    cli.add_argument("--no-churn", action="store_true", help="same version, same bytes")
    cli.add_argument("--etag", action="store_true", help="ETag/Last-Modified and 304s")
    cli.add_argument("--every-request", action="store_true", help="a new version per request")
    cli.add_argument(
        "--faults", default="", help="e.g. unavailable=0.02,slow=0.01,reset=0.01,gone=0.01"
    )
    cli.add_argument("--urls", type=Path, help="write the articles' URLs to this file")
    cli.add_argument("--info", type=Path, help="write settings and addresses (JSON) here")
    return cli


def main(argv: list[str] | None = None) -> int:
    """Serves until interrupted; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        config = config_from(args)
    except ValueError as exc:
        print(f"newsroom: {exc}", file=sys.stderr)
        return 2

    def ready(newsroom: Newsroom) -> None:
        if args.urls:
            urls = (newsroom.url(i) for i in range(config.articles))
            args.urls.write_text("".join(f"{url}\n" for url in urls))
        if args.info:
            args.info.write_text(json.dumps(newsroom.describe()))
        print(f"newsroom: {config.articles} articles on {', '.join(newsroom.hosts)}", flush=True)

    run_forever(config, ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
