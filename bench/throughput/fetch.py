"""The raw fetch ceiling: a Scrapy spider that fetches pages and throws them away.

    python -m bench.throughput.fetch URLS_FILE SETTINGS_JSON [--part K/N]

fetches every ``N``-th URL of the file starting at the ``K``-th, with redline's worker
settings (read from the JSON file) but no pipeline, and prints, as JSON, when each tenth
of them was done.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request

from crawler.spiders.article import HANDLED_STATUSES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.http import Response


class DiscardSpider(scrapy.Spider):
    """Fetches ``urls`` once each; notes when each response arrived."""

    name = "discard"
    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(self, urls: list[str], done: list[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.done = done

    async def start(self) -> AsyncIterator[Any]:
        """Yields every request."""
        for url in self.urls:
            yield Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> None:
        """Keeps nothing but the time."""
        self.done.append(time.time())

    def failed(self, failure: object) -> None:
        """A failure is done too."""
        self.done.append(time.time())


def main(argv: list[str] | None = None) -> int:
    """Runs the crawl and prints the deciles of completion times."""
    cli = argparse.ArgumentParser(prog="python -m bench.throughput.fetch")
    cli.add_argument("urls", type=Path)
    cli.add_argument("settings", type=Path)
    cli.add_argument("--part", default="0/1", help="K/N: every N-th URL from the K-th")
    args = cli.parse_args(argv)
    part, parts = (int(n) for n in args.part.split("/"))
    urls = args.urls.read_text().split()[part::parts]
    settings = json.loads(args.settings.read_text())
    settings["ITEM_PIPELINES"] = {}
    settings["LOG_LEVEL"] = "WARNING"
    done: list[float] = []
    process = CrawlerProcess(settings)
    process.crawl(DiscardSpider, urls=urls, done=done)
    process.start()
    done.sort()
    deciles = [done[min(len(done) - 1, len(done) * k // 10)] for k in range(11)] if done else []
    print(json.dumps({"count": len(done), "deciles": deciles}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
