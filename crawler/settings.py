"""Scrapy settings of a redline worker: the part that is the same for every worker.

This is the project's settings module, as in any Scrapy project. The worker role
(:func:`scheduler.worker.scrapy_settings`) adds what follows from redline's own settings
(user agent, concurrency, timeouts, the Redis it uses); redline's components read the
``REDLINE_*`` settings from the crawler (``from_crawler``).
"""

BOT_NAME = "redline"
# 429 and 503 usually say when to come back (Retry-After): the schedule honours it.
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.extensions.ConditionalAutoThrottle": 0,
}
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
# Only http and https, and only public addresses unless allowed (crawler.guard).
# Middlewares for what redline never does (log in, follow links, limit domains) are left
# out: each runs for every request.
DOWNLOADER_MIDDLEWARES = {
    "crawler.guard.NetworkGuard": 50,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RedirectWithoutReferer": 600,
}
# A request that UrlLengthMiddleware dropped would be an article never checked.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# Its check reads the callback's source for every response.
WARN_ON_GENERATOR_RETURN_VALUE = False
TWISTED_DNS_RESOLVER = "crawler.guard.GuardedResolver"
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
COOKIES_ENABLED = False
METAREFRESH_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
LOGSTATS_INTERVAL = 60.0
ITEM_PIPELINES = {"crawler.pipelines.ChangePipeline": 300}
# A response yields one item; Scrapy starts this many item tasks per response.
CONCURRENT_ITEMS = 1
# Seconds the spider waits before asking Redis again when nothing was due.
REDLINE_IDLE_POLL = 0.2
