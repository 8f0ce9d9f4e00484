"""The worker role: one Scrapy process fetching due articles until it is told to stop.

Scrapy handles SIGINT/SIGTERM: the first signal finishes the fetches in progress and
records them, the second stops at once (unfinished claims then expire and are re-done).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess

from crawler import settings as project
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


def scrapy_settings(settings: Settings, redis_url: str) -> dict[str, Any]:
    """Returns the Scrapy settings of a worker that uses the Redis at ``redis_url``: the
    project's (:mod:`crawler.settings`, read as Scrapy reads a settings module) and those
    that follow from redline's ``settings``."""
    return {
        **{name: getattr(project, name) for name in dir(project) if name.isupper()},
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": settings.obey_robots_txt,
        "CONCURRENT_REQUESTS": settings.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.per_domain_concurrency,
        "DOWNLOAD_TIMEOUT": settings.download_timeout,
        "DNS_TIMEOUT": settings.download_timeout,
        "DOWNLOAD_MAXSIZE": settings.max_page_size,
        "DOWNLOAD_WARNSIZE": settings.max_page_size // 2,
        "RETRY_ENABLED": settings.retries > 0,
        "RETRY_TIMES": settings.retries,
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(settings.per_domain_concurrency),
        "REDLINE_ALLOW_PRIVATE_NETWORKS": settings.allow_private_networks,
        "DOWNLOAD_VERIFY_CERTIFICATES": settings.verify_tls,
        "LOG_LEVEL": settings.log_level,
        # The versions of what Scrapy runs on, and its statistics at shutdown, are logged
        # at DEBUG only.
        **({} if settings.log_level == "DEBUG" else {"LOG_VERSIONS": [], "STATS_DUMP": False}),
        "REDLINE_REDIS_URL": redis_url,
        "REDLINE_REDIS_PREFIX": settings.redis_prefix,
        "REDLINE_LEASE": settings.lease,
        "REDLINE_PER_SITE": settings.per_domain_concurrency,
        "REDLINE_ARCHIVE_DIR": str(settings.archive_path),
        "REDLINE_ARCHIVE_FILE_SIZE": settings.archive_file_size,
    }


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
