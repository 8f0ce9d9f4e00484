"""Every store of one redline installation, over one Redis connection and key set, built
in one place: the clock, the worker's pipeline, the web view, the metrics and the command
line each build one :class:`Stores` and hand it to their parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.store.archive import ArchiveIndex
from crawler.store.articles import ArticleStore
from crawler.store.endpoints import EndpointStore
from crawler.store.health import HealthLog
from crawler.store.notices import Notices
from crawler.store.shared import SharedConfig

if TYPE_CHECKING:
    from redis import Redis

    from crawler.store.counters import Counters
    from crawler.store.keys import Keys
    from crawler.store.queue import DueQueue
    from crawler.store.sitetemplate import SiteTemplates


@dataclass(frozen=True)
class Stores:
    """The stores, each the one writer of its Redis structures (see ``docs/ARCHITECTURE.md``).

    Attributes:
        articles: Articles, their versions and events (with the due queue, the site
            templates and the counters it writes inside its transactions).
        endpoints: Discovery endpoints.
        health: Each source's problems and the health feed.
        shared: The configuration the clock publishes for workers.
        archive: Where each version's response is kept, in the WARC files.
        notices: The notification channels' positions in the events stream, and their
            health.
    """

    articles: ArticleStore
    endpoints: EndpointStore
    health: HealthLog
    shared: SharedConfig
    archive: ArchiveIndex
    notices: Notices

    @classmethod
    def open(cls, redis: Redis, keys: Keys) -> Stores:
        """Every store over ``redis`` (``decode_responses=False``) and ``keys``."""
        return cls.of(ArticleStore(redis, keys))

    @classmethod
    def of(cls, articles: ArticleStore) -> Stores:
        """Every store over the connection and keys of ``articles``."""
        redis, keys = articles.redis, articles.keys
        return cls(
            articles,
            EndpointStore(articles),
            HealthLog(redis, keys),
            SharedConfig(redis, keys),
            ArchiveIndex(redis, keys),
            Notices(redis, keys),
        )

    @property
    def redis(self) -> Redis:
        """The connection."""
        return self.articles.redis

    @property
    def keys(self) -> Keys:
        """The key names."""
        return self.articles.keys

    @property
    def queue(self) -> DueQueue:
        """The due queue."""
        return self.articles.queue

    @property
    def templates(self) -> SiteTemplates:
        """The sites' template evidence."""
        return self.articles.templates

    @property
    def counters(self) -> Counters:
        """The per-check counters and the health read from them."""
        return self.articles.counters
