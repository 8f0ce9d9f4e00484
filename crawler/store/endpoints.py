"""Discovery endpoints in Redis: the feeds, sitemaps and section pages the clock keeps
configured, and what a worker records when it has read one (the new articles it lists,
tracked at once, and the endpoint's own health).

An endpoint is scheduled, claimed and leased by the due queue exactly as an article is
(:mod:`crawler.store.queue`), so its reads keep to the same per-site limits and back-offs. See
:mod:`crawler.store.keys` for the keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crawler.domain.codec import as_text
from crawler.domain.identity import BadUrlError, article_id, normalise_url, site_of
from crawler.domain.models import ArticleState, EndpointState, Status
from crawler.store.keys import ENDPOINT_MARK

if TYPE_CHECKING:
    from redis.client import Pipeline

    from crawler.domain.models import ListingFetch
    from crawler.extraction.discovery import Link, Listing
    from crawler.store.articles import ArticleStore

logger = logging.getLogger(__name__)

FAILING_AFTER = 3
"""Consecutive failed reads after which an endpoint is ``failing``."""
MAX_CHILD_SITEMAPS = 5
"""The most sitemaps of a sitemap index read as endpoints of their own."""
RECENT_SITEMAP = 2 * 86400.0
"""A sitemap of an index modified this many seconds ago or less is followed."""


def endpoint_id(url: str) -> str:
    """The id of the discovery endpoint at ``url`` (a normalised URL)."""
    return ENDPOINT_MARK + article_id(url)


@dataclass(frozen=True)
class EndpointTarget:
    """A discovery endpoint the settings list.

    Attributes:
        url: Its normalised URL.
        source: The source it belongs to.
        interval: Seconds between two reads.
        link_pattern: What the article links of a section page match ("" for none).
    """

    url: str
    source: str
    interval: float
    link_pattern: str = ""

    @property
    def endpoint_id(self) -> str:
        return endpoint_id(self.url)


@dataclass(frozen=True)
class Read:
    """What recording one read of an endpoint did.

    Attributes:
        state: The endpoint's state after the read.
        found: The articles it started tracking.
        stale: True if the read was not recorded (a read claimed later was recorded first,
            or this one already was).
    """

    state: EndpointState
    found: tuple[str, ...] = ()
    stale: bool = False


class EndpointStore:
    """Reads and writes discovery endpoints and the articles they find.

    Args:
        articles: The article store over the same Redis, which tracks what endpoints find
            (and whose due queue schedules the endpoints' reads too).
    """

    def __init__(self, articles: ArticleStore) -> None:
        self.articles = articles
        self.redis = articles.redis
        self.keys = articles.keys
        self.queue = articles.queue

    def load(self, endpoint: str) -> EndpointState | None:
        """The endpoint's state, or None if there is no such endpoint."""
        raw = self.redis.hgetall(self.keys.article(endpoint))
        return EndpointState.from_fields(endpoint, raw) if raw else None

    def all(self) -> list[EndpointState]:
        """Every endpoint, configured or found in a sitemap index, by URL."""
        ids = sorted(as_text(i) for i in self.redis.smembers(self.keys.endpoints))
        with self.redis.pipeline(transaction=False) as pipe:
            for endpoint in ids:
                pipe.hgetall(self.keys.article(endpoint))
            found = pipe.execute()
        states = [EndpointState.from_fields(i, raw) for i, raw in zip(ids, found, strict=True)]
        return sorted((s for s in states if s.url), key=lambda s: s.url)

    def sync(self, targets: list[EndpointTarget], now: float) -> tuple[int, int]:
        """Makes the endpoints match the settings (the clock's step when they change).

        New endpoints are due at once; a changed interval or link pattern applies from the
        next read; endpoints no longer listed are forgotten, with the sitemaps found in
        them. The articles they found stay tracked.

        Returns:
            How many endpoints were added and how many removed.
        """
        wanted = {t.endpoint_id: t for t in targets}
        current = {s.id: s for s in self.all()}
        kept = {i for i, s in current.items() if i in wanted or s.parent in wanted}
        added = 0
        with self.redis.pipeline(transaction=True) as pipe:
            for endpoint, target in wanted.items():
                state = current.get(endpoint)
                if state is None:
                    state = EndpointState(
                        endpoint,
                        target.url,
                        target.source,
                        created=now,
                        site=site_of(target.url),
                        next_check=now,
                    )
                    self.queue.schedule(pipe, endpoint, now, first=True)
                    added += 1
                self._save(
                    pipe,
                    replace(
                        state,
                        source=target.source,
                        interval=target.interval,
                        link_pattern=target.link_pattern,
                    ),
                    state,
                )
            for endpoint in current.keys() - kept:
                self._forget(pipe, current[endpoint])
            pipe.execute()
        due = {i: current[i].next_check or now for i in kept if i in current}
        if repaired := self.queue.repair(due):
            logger.warning("put %d discovery endpoints back in the schedule", repaired)
        return added, len(current.keys() - kept)

    def record(
        self,
        fetch: ListingFetch,
        listing: Listing | None,
        error: str,
        now: float,
        since: float = 0.0,
    ) -> Read | None:
        """Records one read of an endpoint: the articles it lists that are not tracked yet
        are tracked (due at once, with the time they were first seen and, when the
        endpoint says it, their publication time), except those it says were published
        before ``since``; a sitemap index's recent sitemaps become endpoints of their own;
        the endpoint's health is updated and its next read scheduled.

        Args:
            fetch: The read.
            listing: What the document listed (None for a 304 or a failed read).
            error: Why the read failed ("" if it did not).
            now: The current time.
            since: Articles published before this are not tracked: they would be stable
                at once (the caller passes ``now`` minus the stability window), as the
                archive a full sitemap lists is.

        Returns:
            What was recorded, or None if the endpoint no longer exists.
        """
        key = self.keys.article(fetch.endpoint_id)
        result: list[Read | None] = [None]

        def transaction(pipe: Pipeline) -> None:
            raw = pipe.hgetall(key)
            if not raw:
                result[0] = None
                return
            state = EndpointState.from_fields(fetch.endpoint_id, raw)
            if fetch.outdated_by(state.last_claim):
                result[0] = Read(state, stale=True)
                return
            read = _after(state, fetch, error, now)
            found: tuple[str, ...] = ()
            new_articles: list[ArticleState] = []
            if listing is not None:
                recent = [a for a in listing.articles if (a.published or now) >= since]
                new_articles = self._new_articles(state, recent, now)
                found = tuple(a.id for a in new_articles)
                read = replace(
                    read,
                    kind=listing.kind,
                    listed=len(listing.articles),
                    found=state.found + len(found),
                )
            children = self._children(read, listing.sitemaps if listing else (), now)
            pipe.multi()
            for article in new_articles:
                self.articles.start_tracking(pipe, article, via=state.id)
            for child in children:
                self._save(pipe, child, child)
                self.queue.schedule(pipe, child.id, now, first=True)
            self._save(pipe, read, state)
            self.queue.done(pipe, state.id, state.site, read.next_check or now)
            result[0] = Read(read, found)

        self.redis.transaction(transaction, key)
        return result[0]

    def _new_articles(
        self, endpoint: EndpointState, links: list[Link], now: float
    ) -> list[ArticleState]:
        """The listed articles not tracked yet, as new states found by ``endpoint``."""
        candidates: dict[str, tuple[str, Link]] = {}
        for link in links:
            try:
                url = normalise_url(link.url)
            except BadUrlError:
                continue
            candidates.setdefault(article_id(url), (url, link))
        ids = list(candidates)
        with self.redis.pipeline(transaction=False) as check:
            for article in ids:
                check.exists(self.keys.article(article))
            known = check.execute()
        return [
            ArticleState(
                article,
                candidates[article][0],
                endpoint.source,
                created=now,
                next_check=now,
                site=site_of(candidates[article][0]),
                published=candidates[article][1].published,
                via=endpoint.id,
            )
            for article, exists in zip(ids, known, strict=True)
            if not exists
        ]

    def _children(
        self, index: EndpointState, sitemaps: tuple[Link, ...], now: float
    ) -> list[EndpointState]:
        """New endpoints for a sitemap index's most recent sitemaps (see
        :data:`MAX_CHILD_SITEMAPS` and :data:`RECENT_SITEMAP`): those modified lately,
        newest first, or when none says, the first listed."""
        dated = sorted(
            (s for s in sitemaps if s.published and s.published >= now - RECENT_SITEMAP),
            key=lambda s: -(s.published or 0.0),
        )
        children = []
        for link in (dated or list(sitemaps))[:MAX_CHILD_SITEMAPS]:
            try:
                url = normalise_url(link.url)
            except BadUrlError:
                continue
            child = endpoint_id(url)
            if not self.redis.exists(self.keys.article(child)):
                children.append(
                    EndpointState(
                        child,
                        url,
                        index.source,
                        created=now,
                        site=site_of(url),
                        next_check=now,
                        interval=index.interval,
                        parent=index.id,
                    )
                )
        return children

    def _save(self, pipe: Pipeline, state: EndpointState, before: EndpointState) -> None:
        """Queues writing ``state`` over ``before`` and its set memberships."""
        key = self.keys.article(state.id)
        pipe.hset(key, mapping=state.to_fields())
        if stale := state.stale_fields(before):
            pipe.hdel(key, *stale)
        pipe.sadd(self.keys.endpoints, state.id)
        pipe.sadd(self.keys.source_endpoints(state.source), state.id)
        if before.source != state.source:
            pipe.srem(self.keys.source_endpoints(before.source), state.id)

    def _forget(self, pipe: Pipeline, state: EndpointState) -> None:
        pipe.delete(self.keys.article(state.id))
        pipe.srem(self.keys.endpoints, state.id)
        pipe.srem(self.keys.source_endpoints(state.source), state.id)
        self.queue.drop(pipe, state.id)


def _after(state: EndpointState, fetch: ListingFetch, error: str, now: float) -> EndpointState:
    """The endpoint's state after a read that failed with ``error`` or succeeded ("")."""
    read = replace(
        state,
        checks=state.checks + 1,
        last_check=fetch.fetched_at,
        last_claim=fetch.claimed_at or state.last_claim,
        worker=fetch.worker,
        next_check=now + max(state.interval or 0.0, fetch.retry_after or 0.0),
    )
    if error:
        errors = state.errors + 1
        return replace(
            read,
            errors=errors,
            last_error=error,
            status=Status.FAILING if errors >= FAILING_AFTER else state.status,
        )
    return replace(
        read,
        errors=0,
        last_error="",
        status=Status.ACTIVE,
        last_success=fetch.fetched_at,
        etag=fetch.etag or state.etag,
        last_modified=fetch.last_modified or state.last_modified,
    )
