"""Each source's health: what it tracks, how its discovery and its extraction are doing,
and whether either has been failing long enough to tell someone.

:func:`sources_health` reads a source's figures from Redis; :func:`problems` is pure: the
clock calls it with ``now`` and the configured ``health_after``, and publishes each change
of a source's problems as an entry of the health feed (:class:`HealthLog`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.domain.codec import as_text
from crawler.domain.models import EndpointState, Status
from crawler.domain.wording import duration
from crawler.store.counters import ExtractionHealth

if TYPE_CHECKING:
    from collections.abc import Iterable

    from redis import Redis

    from crawler.store.articles import ArticleStore
    from crawler.store.keys import Keys
    from crawler.store.notices import ChannelHealth

CHANNEL_MARK = "notify:"
"""What the health log's name of a notification channel starts with (a source's never
does: source names are letters, digits, - and _)."""
UNHEALTHY_SHARE = 0.2
"""A share of pages without a trustworthy article at or above which extraction is failing."""
MIN_PAGES = 10
"""The fewest pages over the health window that can say extraction is failing."""
HEALTH_LOG_SIZE = 1000
"""How many health entries are kept (the oldest are trimmed)."""


@dataclass(frozen=True)
class SourceHealth:
    """One source's figures.

    Attributes:
        name: The source.
        statuses: How many of its articles are in each status.
        endpoints: Its discovery endpoints (with the sitemaps found in its indexes).
        totals: Its counters (checks, changes, errors, extraction_failures) since it was
            first checked.
        extraction: How its pages were read over the health window.
    """

    name: str
    statuses: dict[Status, int]
    endpoints: tuple[EndpointState, ...] = ()
    totals: dict[str, int] = field(default_factory=dict)
    extraction: ExtractionHealth = field(default_factory=ExtractionHealth)

    @property
    def tracked(self) -> int:
        """Articles tracked (every status but untracked)."""
        return sum(n for status, n in self.statuses.items() if status is not Status.UNTRACKED)

    @property
    def discovered(self) -> int:
        """Articles its endpoints found (and so started tracking)."""
        return sum(endpoint.found for endpoint in self.endpoints)

    @property
    def last_discovery(self) -> float | None:
        """When one of its endpoints was last read without error (None: never)."""
        return max((e.last_success for e in self.endpoints if e.last_success), default=None)


def sources_health(
    store: ArticleStore,
    endpoints: Iterable[EndpointState],
    names: Iterable[str],
    now: float,
    window: float,
) -> list[SourceHealth]:
    """Reads the figures of the sources ``names``, in that order, given every discovery
    endpoint (read once by the caller); their extraction over the ``window`` seconds up to
    ``now`` (in whole hours, at least one)."""
    endpoints = tuple(endpoints)
    hours = max(1, math.ceil(window / 3600))
    return [
        SourceHealth(
            name=name,
            statuses=store.source_statuses(name),
            endpoints=tuple(e for e in endpoints if e.source == name),
            totals=store.counters.source_totals(name),
            extraction=store.counters.source_extraction(name, now, hours),
        )
        for name in names
    ]


def problems(health: SourceHealth, now: float, after: float) -> list[str]:
    """What has been wrong with a source for at least ``after`` seconds, in words ([] when
    nothing is).

    - Discovery: every endpoint of the source failed its last read, and none has been
      read without error for ``after`` (or ever, since it was configured that long ago).
    - Extraction: over the health window, at least :data:`UNHEALTHY_SHARE` of at least
      :data:`MIN_PAGES` pages held no trustworthy article.
    """
    found = []
    endpoints = health.endpoints
    if endpoints and all(e.errors for e in endpoints):
        since = health.last_discovery or min(e.created for e in endpoints)
        if now - since >= after:
            last = max(endpoints, key=lambda e: e.last_check or 0.0)
            found.append(
                f"discovery failing for {duration(now - since)}: every endpoint fails "
                f"(latest: {last.url}: {last.last_error})"
            )
    pages = health.extraction
    if pages.pages >= MIN_PAGES and pages.share(pages.failed) >= UNHEALTHY_SHARE:
        found.append(
            f"extraction failing: {pages.share(pages.failed):.0%} of {pages.pages} pages "
            f"in the last {duration(after)} held no trustworthy article"
        )
    return found


def channel_problems(health: ChannelHealth, now: float, after: float) -> list[str]:
    """What has been wrong with a notification channel for at least ``after`` seconds:
    every send since then failed ([] when nothing is)."""
    since = health.failing_since
    if not health.consecutive or since is None or now - since < after:
        return []
    return [
        f"every send failing for {duration(now - since)} ({health.consecutive} in a row,"
        f" {health.pending} changes waiting; last error: {health.last_error})"
    ]


@dataclass(frozen=True)
class HealthEntry:
    """One change of a source's health.

    Attributes:
        entry_id: Its id in the health stream (time-ordered).
        source: The source.
        problems: What is wrong now ([] when the source recovered).
        at: When the change was noticed (epoch seconds).
    """

    entry_id: str
    source: str
    problems: tuple[str, ...]
    at: float


class HealthLog:
    """The sources' health in Redis: their current problems, and a stream of every change
    of them (what the health feed shows).

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def current(self) -> dict[str, tuple[str, ...]]:
        """Each source with problems, and its problems."""
        raw = self.redis.hgetall(self.keys.health)
        return {as_text(k): _problems(v) for k, v in raw.items()}

    def note(self, source: str, found: list[str], now: float) -> bool:
        """Records a source's problems as of ``now``; returns True (and adds an entry to the
        stream) when they differ from the ones recorded before."""
        raw = self.redis.hget(self.keys.health, source)
        before = _problems(raw) if raw else ()
        if tuple(found) == before:
            return False
        entry: dict[Any, Any] = {"source": source, "problems": json.dumps(found), "at": repr(now)}
        with self.redis.pipeline(transaction=True) as pipe:
            if found:
                pipe.hset(self.keys.health, source, json.dumps(found))
            else:
                pipe.hdel(self.keys.health, source)
            pipe.xadd(self.keys.health_log, entry, maxlen=HEALTH_LOG_SIZE, approximate=True)
            pipe.execute()
        return True

    def recent(self, count: int) -> list[HealthEntry]:
        """The newest ``count`` entries, newest first."""
        entries = self.redis.xrevrange(self.keys.health_log, "+", "-", count=count) or []
        found = []
        for entry_id, raw in entries:
            fields = {as_text(k): as_text(v) for k, v in (raw or {}).items()}
            found.append(
                HealthEntry(
                    entry_id=as_text(entry_id),
                    source=fields["source"],
                    problems=_problems(fields["problems"]),
                    at=float(fields["at"]),
                )
            )
        return found


def _problems(raw: str | bytes) -> tuple[str, ...]:
    """A source's problems as the health hash and log store them (a JSON list)."""
    return tuple(json.loads(raw))
