"""The worker role: one Scrapy process fetching due articles until it is told to stop.

Scrapy handles SIGINT/SIGTERM: the first signal finishes the fetches in progress and
records them, the second stops at once (unfinished claims then expire and are re-done).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.crawler import CrawlerProcess

from crawler.settings import scrapy_settings
from crawler.spiders.article import ArticleSpider

if TYPE_CHECKING:
    from scheduler.config import Settings


def run_worker(settings: Settings, redis_url: str) -> None:
    """Runs a worker against the Redis at ``redis_url`` until it is stopped."""
    process = CrawlerProcess(scrapy_settings(settings, redis_url))
    process.crawl(ArticleSpider)
    process.start()
