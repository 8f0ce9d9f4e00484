"""A population of tracked articles, made the way redline makes them.

The articles are tracked with :meth:`crawler.store.articles.ArticleStore.sync_tracked`, then checked
round by round: every check is :meth:`crawler.store.articles.ArticleStore.record` of the update
:func:`crawler.detection.check.plan_update` plans from a :class:`crawler.domain.models.Fetch` and a
page read by :func:`crawler.extraction.extract.extract_page`, exactly as a worker records it, so
every key a check writes (versions, fingerprints, events, timelines, index streams, counters, the
schedule) is there. Only the network is missing.

Each check happens when the article is due (its ``next_check``), or at the end of its
stability window for the last round, so the stored times, intervals and statuses are those
of a real article's life under the default :class:`crawler.domain.policy.RecheckPolicy`. The
articles are spread over :data:`SITES` sites (one source each) and are checked in parallel
processes, each with its own connection, as several workers would.

Every article goes through the same edits, so the pure text comparisons a check makes
(:func:`crawler.domain.diff.diff_articles`) would compute the
same results for each of them: the checking processes remember those results (see
:func:`_start_checking`). What is written to Redis is the same either way; only the
run is shorter.
"""

from __future__ import annotations

import enum
import functools
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Self

from bench.redis.article import render_page
from crawler.detection import check as checking
from crawler.detection.check import Finding, plan_update
from crawler.domain.diff import diff_articles
from crawler.domain.identity import article_id
from crawler.domain.models import Fetch
from crawler.domain.policy import RecheckPolicy
from crawler.extraction.extract import ExtractedPage, extract_page
from crawler.store.articles import ArticleStore, TrackTarget
from crawler.store.connection import connect
from crawler.store.keys import Keys
from scheduler.urls import source_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.detection.check import History, Update
    from crawler.domain.models import Article, ArticleState

# Epoch seconds when the articles are first tracked (a Tuesday in May 2024).
TRACKED_AT = 1_715_680_000.0
# The first checks are spread over this many seconds, as the clock releases them.
SPREAD = 3600.0
# Seconds between an article becoming due and its response arriving.
LATENCY = 2.718281
# Seconds between a worker claiming an article and its response arriving.
CLAIM_LEAD = 1.414213
# The response's validators and the worker's name, as a real check stores them.
ETAG = '"6642f1a3-1b2c9d"'
LAST_MODIFIED = "Tue, 14 May 2024 09:12:44 GMT"
WORKER = "worker-2.internal:48213"
# Articles a process checks per task (a task takes about a second, so that stopping the
# run does not wait long for the tasks under way).
CHUNK = 250
# The news sites the articles belong to (one source each).
SITES = (
    "harbourledger",
    "dailychronicle",
    "northerntimes",
    "citygazette",
    "coastalherald",
    "valleyobserver",
    "metropolitanpost",
    "riversideexpress",
    "countyrecord",
    "eveningstandardnews",
)


class When(enum.Enum):
    """When a round's check of an article happens."""

    DUE = "due"
    """When the article is due (its ``next_check``)."""
    WINDOW_END = "window end"
    """At the end of its stability window: an unchanged check there makes it stable."""


@dataclass(frozen=True)
class Round:
    """One check of every article.

    Attributes:
        name: What the check finds, in words.
        page: The page read, or None for a ``304 Not Modified``.
        html: The page the fetch returned ("" for a 304).
        when: When the check happens.
    """

    name: str
    page: ExtractedPage | None
    html: str
    when: When = When.DUE


def urls(count: int) -> list[str]:
    """The URLs of ``count`` articles, spread over :data:`SITES`: 90 to 105 characters,
    like the URLs of articles on news sites."""
    return [
        f"https://www.{SITES[n % len(SITES)]}.com/news/2024/05/14/"
        f"harbour-sea-wall-rebuild-approved-by-council-{n:07d}"
        for n in range(count)
    ]


def targets(count: int) -> list[TrackTarget]:
    """What the URLs file of ``count`` articles makes the clock track."""
    return [TrackTarget(article_id(url), url, source_for(url)) for url in urls(count)]


def page_round(name: str, article: Article, url: str) -> Round:
    """A round whose check gets the page of ``article``. The page is extracted once, here;
    each article's check puts the article's own URL in as the canonical URL it names."""
    html = render_page(article, url)
    return Round(name, extract_page(html, url), html)


def not_modified_round(name: str, when: When = When.DUE) -> Round:
    """A round whose check is answered ``304 Not Modified``."""
    return Round(name, None, "", when)


class Population:
    """``count`` articles in the Redis at ``url``, checked by ``jobs`` processes.

    Use as a context manager (the processes live until it exits).

    Args:
        url: The Redis URL.
        count: How many articles.
        jobs: How many processes record checks.
        keys: The key names.
    """

    def __init__(self, url: str, count: int, jobs: int, keys: Keys) -> None:
        self.url = url
        self.keys = keys
        self.jobs = max(jobs, 1)
        self.tracked = targets(count)
        self.ids = [t.article_id for t in self.tracked]
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=_start_checking)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def track(self) -> None:
        """Tracks the articles, as the clock does when it loads the URLs file, and
        completes the feeds' index streams, as its first tick does (so that events are
        indexed as they are published)."""
        redis = connect(self.url)
        try:
            store = ArticleStore(redis, self.keys)
            store.sync_tracked(self.tracked, TRACKED_AT)
            store.index_events()
        finally:
            redis.close()

    def check(self, round_: Round) -> int:
        """Checks every article once; returns how many were checked."""
        if self._pool is None:
            raise RuntimeError("Population.check outside its with block")
        work = functools.partial(_check, self.url, self.keys.prefix, round_)
        return sum(self._pool.map(work, _chunks(self.ids, CHUNK)))


def _start_checking() -> None:
    """Prepares a checking process as it starts: Ctrl-C is left to the main process (which
    stops the pool and the server), and the results of the pure text comparisons a check
    makes are remembered (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    checking.diff_articles = functools.cache(diff_articles)  # type: ignore[attr-defined]


def _chunks(ids: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _check(url: str, prefix: str, round_: Round, ids: list[str]) -> int:
    """Records one check of each article (runs in a pool process); returns how many were
    written."""
    redis = connect(url)
    try:
        store = ArticleStore(redis, Keys(prefix))
        policy = RecheckPolicy()
        checked = 0
        for article in ids:
            update = store.record(article, functools.partial(_plan, round_, policy))
            while update is not None and update.finding is Finding.CANDIDATE:
                # the confirming fetch, when it is due: it reads the same page
                update = store.record(article, functools.partial(_plan, round_, policy))
            if update is not None and update.finding is not Finding.STALE:
                checked += 1
        return checked
    finally:
        redis.close()


def _plan(round_: Round, policy: RecheckPolicy, state: ArticleState, history: History) -> Update:
    """What a worker would record for this round's check of the article."""
    now = _check_time(round_, state, policy)
    page = replace(round_.page, canonical=state.url) if round_.page is not None else None
    fetch = Fetch(
        article_id=state.id,
        url=state.url,
        final_url=state.url,
        fetched_at=now,
        status=304 if page is None else 200,
        source=state.source,
        html=round_.html or None,
        not_modified=page is None,
        etag=ETAG,
        last_modified=LAST_MODIFIED,
        worker=WORKER,
        claimed_at=now - CLAIM_LEAD,
    )
    return plan_update(state, history, fetch, page, "", policy)


def _check_time(round_: Round, state: ArticleState, policy: RecheckPolicy) -> float:
    """When the round's check of the article happens (see :class:`When`)."""
    if round_.when is When.WINDOW_END and state.last_change is not None:
        return state.last_change + policy.stability_window + LATENCY
    due = state.next_check if state.next_check is not None else TRACKED_AT
    if state.checks == 0:  # the clock releases the first checks over an hour
        due += int(state.id[:8], 16) % int(SPREAD * 1000) / 1000
    return due + LATENCY
