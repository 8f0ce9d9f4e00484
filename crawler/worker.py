"""The worker role: one Scrapy process fetching due articles until it is told to stop.

Scrapy handles SIGINT/SIGTERM: the first signal finishes the fetches in progress and
records them, the second stops at once (unfinished claims then expire and are re-done).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.crawler import CrawlerProcess

from crawler.settings import scrapy_settings
from crawler.spiders.article import ArticleSpider

if TYPE_CHECKING:
    from scheduler.config import Settings

# The loggers of Scrapy's start-up report: the middlewares, extensions and pipelines it
# enabled (the versions are left out by LOG_VERSIONS, the settings it overrides below).
_START_UP_LOGGERS = (
    "scrapy.middleware",
    "scrapy.addons",
    "scrapy.extensions.telnet",
)


def _without_overridden_settings(record: logging.LogRecord) -> bool:
    """Leaves out the list of settings redline gives Scrapy (the crawler logger's other
    lines, such as its shutdown, stay)."""
    return not str(record.msg).startswith("Overridden settings")


def run_worker(settings: Settings, redis_url: str) -> None:
    """Runs a worker against the Redis at ``redis_url`` until it is stopped.

    Scrapy's start-up report (versions, settings, the lists of components) is logged only
    when ``log_level`` is DEBUG.
    """
    process = CrawlerProcess(scrapy_settings(settings, redis_url))  # configures logging
    if settings.log_level != "DEBUG":
        for name in _START_UP_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger("scrapy.crawler").addFilter(_without_overridden_settings)
    process.crawl(ArticleSpider)
    process.start()
