"""Counters and the health read from them: what each check adds to its site's, its
source's and the minute's counters, and the figures ``redline status``, ``/metrics`` and
the health feed read back. This module is the one writer of these keys (inside the
transaction that records a check: :meth:`Counters.count`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.detection.check import Finding
from crawler.domain.codec import as_text
from crawler.store.sitetemplate import TemplateSummary

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

    from crawler.detection.check import Update
    from crawler.store.keys import Keys
    from crawler.store.sitetemplate import SiteTemplates

# The per-minute counters.
COUNTERS = ("checks", "changes", "errors", "extraction_failures")
# Seconds each site's hourly page counters are kept.
PAGES_TTL = 2 * 86400
# Hours of page counters a site's extraction health covers.
HEALTH_HOURS = 24


# Seconds the per-minute counters are kept.
STATS_TTL = 2 * 3600


@dataclass(frozen=True)
class ExtractionHealth:
    """How well a site's pages were read over a span of time.

    Attributes:
        pages: Answers with content (a page, or a document that is not HTML).
        layers: Pages read by each extraction layer ("rules", "structured", "general").
        fell_back: Pages the source's body rule did not match, read by another layer.
        failed: Pages with no trustworthy article (nothing extracted, or a change the
            confirming fetch did not confirm at all).
        not_html: Documents that were not HTML.
    """

    pages: int = 0
    layers: dict[str, int] = field(default_factory=dict)
    fell_back: int = 0
    failed: int = 0
    not_html: int = 0

    def share(self, count: int) -> float:
        """``count`` as a share of the pages (0 when there were none)."""
        return count / self.pages if self.pages else 0.0

    @classmethod
    def from_hours(cls, hours: list[dict[Any, Any]]) -> ExtractionHealth:
        """Adds up hourly page counters as read with ``HGETALL``."""
        totals: dict[str, int] = {}
        for raw in hours:
            for name, value in raw.items():
                totals[as_text(name)] = totals.get(as_text(name), 0) + int(value)
        return cls(
            pages=totals.pop("pages", 0),
            fell_back=totals.pop("fell_back", 0),
            failed=totals.pop("failed", 0),
            not_html=totals.pop("not_html", 0),
            layers={
                name.removeprefix("layer:"): count
                for name, count in sorted(totals.items())
                if name.startswith("layer:")
            },
        )


@dataclass(frozen=True)
class SiteHealth:
    """One site's health, as kept in its Redis hash.

    Attributes:
        site: The site (host and port).
        checks: Checks of its articles.
        failures: Checks that failed with a network error, 5xx or 429.
        consecutive: Such failures since the site last answered.
        extraction_failures: Pages of the site that held no trustworthy article.
        backoff_until: Epoch seconds until which the site is left alone (0: it is not).
        last_error: The last failure.
        last_ok: When the site last answered.
        extraction: How well its pages were read in the last :data:`HEALTH_HOURS` hours.
        template: How much of its template was learned (:mod:`crawler.detection.template`).
    """

    site: str
    checks: int = 0
    failures: int = 0
    consecutive: int = 0
    extraction_failures: int = 0
    backoff_until: float = 0.0
    last_error: str = ""
    last_ok: float = 0.0
    extraction: ExtractionHealth = field(default_factory=ExtractionHealth)
    template: TemplateSummary = field(default_factory=TemplateSummary)

    @classmethod
    def from_fields(
        cls,
        site: str,
        raw: dict[Any, Any],
        extraction: ExtractionHealth,
        template: TemplateSummary,
    ) -> SiteHealth:
        """Builds the health from a Redis hash as read with ``HGETALL``."""
        text = {as_text(k): as_text(v) for k, v in raw.items()}
        return cls(
            site=site,
            checks=int(text.get("checks") or 0),
            failures=int(text.get("failures") or 0),
            consecutive=int(text.get("consecutive") or 0),
            extraction_failures=int(text.get("extraction_failures") or 0),
            backoff_until=float(text.get("backoff_until") or 0),
            last_error=text.get("last_error", ""),
            last_ok=float(text.get("last_ok") or 0),
            extraction=extraction,
            template=template,
        )


class Counters:
    """Writes each check's counters and reads them back.

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
        templates: The sites' template evidence (a site's health names what was learned).
    """

    def __init__(self, redis: Redis, keys: Keys, templates: SiteTemplates) -> None:
        self.redis = redis
        self.keys = keys
        self.templates = templates

    def count(self, pipe: Pipeline, site: str, update: Update, now: float) -> None:
        """Queues the site's, the source's and the minute's counters for one check."""
        skey = self.keys.site(site)
        pipe.sadd(self.keys.sites, site)
        pipe.hincrby(skey, "checks", 1)
        if update.site_failed:
            pipe.hincrby(skey, "failures", 1)
            pipe.hincrby(skey, "consecutive", 1)
            pipe.hset(skey, "last_error", update.state.last_error)
        elif update.site_ok:
            pipe.hset(skey, mapping={"consecutive": 0, "last_ok": now})
        if update.site_backoff_until is not None:
            pipe.hset(skey, "backoff_until", update.site_backoff_until)
        if update.extraction_failed:
            pipe.hincrby(skey, "extraction_failures", 1)
        source = update.state.source
        hour = int(now // 3600)
        for pages in (self.keys.site_pages(site, hour), self.keys.source_pages(source, hour)):
            self._count_page(pipe, pages, update)
        stats = self.keys.stats(int(now // 60))
        counts = {
            "checks": 1,
            "changes": int(update.event is not None),
            "errors": int(update.finding is Finding.FAILED),
            "extraction_failures": int(update.extraction_failed),
        }
        for name, count in counts.items():
            if count:
                pipe.hincrby(stats, name, count)
                pipe.hincrby(self.keys.source_totals(source), name, count)
        pipe.expire(stats, STATS_TTL)

    def _count_page(self, pipe: Pipeline, key: str, update: Update) -> None:
        """Queues one check on hourly page counters (a site's or a source's extraction
        health) at ``key``."""
        not_html = update.finding is Finding.NOT_HTML
        if not (update.layer or update.extraction_failed or not_html):
            return  # no content came: nothing to say about extraction
        counts = {
            "pages": 1,
            f"layer:{update.layer}": int(bool(update.layer)),
            "fell_back": int(update.fell_back),
            "failed": int(update.extraction_failed),
            "not_html": int(not_html),
        }
        for name, count in counts.items():
            if count:
                pipe.hincrby(key, name, count)
        pipe.expire(key, PAGES_TTL)

    def sites(self, now: float) -> list[SiteHealth]:
        """Every site checked so far, with its health as of ``now``, by name."""
        names = sorted(as_text(s) for s in self.redis.smembers(self.keys.sites))
        last = int(now // 3600)
        hours = range(last - HEALTH_HOURS + 1, last + 1)
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.keys.site(name))
                for hour in hours:
                    pipe.hgetall(self.keys.site_pages(name, hour))
            replies = pipe.execute()
        step = 1 + len(hours)
        return [
            SiteHealth.from_fields(
                name,
                replies[i * step],
                ExtractionHealth.from_hours(replies[i * step + 1 : (i + 1) * step]),
                self.templates.summary(name),
            )
            for i, name in enumerate(names)
        ]

    def source_totals(self, source: str) -> dict[str, int]:
        """One source's counters (:data:`COUNTERS`) since it was first checked."""
        raw = self.redis.hgetall(self.keys.source_totals(source))
        found = {as_text(k): int(v) for k, v in raw.items()}
        return {counter: found.get(counter, 0) for counter in COUNTERS}

    def source_extraction(self, source: str, now: float, hours: int) -> ExtractionHealth:
        """How one source's pages were read in the last ``hours`` hours up to ``now``."""
        last = int(now // 3600)
        with self.redis.pipeline(transaction=False) as pipe:
            for hour in range(last - hours + 1, last + 1):
                pipe.hgetall(self.keys.source_pages(source, hour))
            return ExtractionHealth.from_hours(pipe.execute())

    def last_minutes(self, now: float, minutes: int = 60) -> dict[str, int]:
        """The counters (checks, changes, errors, extraction_failures) of the last
        ``minutes`` minutes up to ``now``."""
        last = int(now // 60)
        with self.redis.pipeline(transaction=False) as pipe:
            for minute in range(last - minutes + 1, last + 1):
                pipe.hgetall(self.keys.stats(minute))
            totals = dict.fromkeys(COUNTERS, 0)
            for raw in pipe.execute():
                for name, value in raw.items():
                    if as_text(name) in totals:
                        totals[as_text(name)] += int(value)
        return totals
