"""Scrapy settings for a redline worker, built from redline's own settings.

Scrapy components read their settings from the crawler (``from_crawler``); redline's own
components read the ``REDLINE_*`` ones defined here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler.config import Settings

# Seconds the spider waits before asking Redis again when nothing was due.
IDLE_POLL = 0.2


def scrapy_settings(settings: Settings, redis_url: str) -> dict[str, Any]:
    """Returns the Scrapy settings of a worker that uses the Redis at ``redis_url``."""
    return {
        "BOT_NAME": "redline",
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
        # 429 and 503 usually say when to come back (Retry-After): the schedule honours it.
        "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],
        "AUTOTHROTTLE_ENABLED": settings.autothrottle,
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "crawler.throttle.ConditionalAutoThrottle": 0,
        },
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(settings.per_domain_concurrency),
        # Only http and https, and only public addresses unless allowed (crawler.guard).
        # Middlewares for what redline never does (log in, follow links, limit domains)
        # are left out: each runs for every request.
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.guard.NetworkGuard": 50,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.redirect.RedirectWithoutReferer": 600,
        },
        # A request that UrlLengthMiddleware dropped would be an article never checked.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        # Its check reads the callback's source for every response.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "TWISTED_DNS_RESOLVER": "crawler.guard.GuardedResolver",
        "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
        "REDLINE_ALLOW_PRIVATE_NETWORKS": settings.allow_private_networks,
        "DOWNLOAD_VERIFY_CERTIFICATES": settings.verify_tls,
        "COOKIES_ENABLED": False,
        "METAREFRESH_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "LOG_LEVEL": settings.log_level,
        # The versions of what Scrapy runs on, and its statistics at shutdown, are logged
        # at DEBUG only.
        **({} if settings.log_level == "DEBUG" else {"LOG_VERSIONS": [], "STATS_DUMP": False}),
        "LOGSTATS_INTERVAL": 60.0,
        "ITEM_PIPELINES": {"crawler.pipelines.ChangePipeline": 300},
        # A response yields one item; Scrapy starts this many item tasks per response.
        "CONCURRENT_ITEMS": 1,
        "REDLINE_REDIS_URL": redis_url,
        "REDLINE_REDIS_PREFIX": settings.redis_prefix,
        "REDLINE_LEASE": settings.lease,
        "REDLINE_PER_SITE": settings.per_domain_concurrency,
        "REDLINE_IDLE_POLL": IDLE_POLL,
    }
