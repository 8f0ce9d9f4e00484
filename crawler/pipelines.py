"""The change pipeline: extract, fingerprint, compare, and record each fetch atomically."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import redis

from crawler.detection.check import Finding, Update, plan_update
from crawler.domain.hashing import page_digest
from crawler.domain.models import Fetch, ListingFetch
from crawler.extraction.discovery import DiscoveryError, Listing, read_listing
from crawler.extraction.extract import ExtractedPage, ExtractionError, extract_page, reader_of
from crawler.extraction.rules import ExtractionRules, RulesError
from crawler.store.archive import FILE_SIZE, WarcFiles
from crawler.store.connection import Outage, client, describe, unavailable
from crawler.store.keys import Keys
from crawler.store.stores import Stores

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler

    from crawler.store.endpoints import Read

logger = logging.getLogger(__name__)

RECORD_RETRY = 1.0
"""Seconds between attempts to record a check while Redis cannot take it."""

RECORD_THREADS = 2
"""Threads that record checks. Extraction holds the GIL, so a second thread only lets one
record wait on Redis while another extracts; more threads cost CPU in GIL hand-offs."""


class ChangePipeline:
    """Records every :class:`~crawler.domain.models.Fetch`: a new version and a change event when
    the article changed, the schedule's next check either way.

    The work (extraction is CPU-bound, Redis calls block) runs in :data:`RECORD_THREADS`
    threads of its own so the reactor keeps fetching. While Redis cannot take a check
    (unreachable, restarting, its disk full), the fetch is held and recording retried
    every :data:`RECORD_RETRY` seconds, for as long as its claim lasts and the worker is
    not stopping. A fetch that still cannot be recorded is logged and dropped: its claim
    expires and the article is checked again, so nothing is lost. A check recorded before
    its connection dropped is not recorded again (its claim is no newer than the
    article's last).

    Settings read: ``REDLINE_REDIS_URL``, ``REDLINE_REDIS_PREFIX``, ``REDLINE_LEASE``.

    Args:
        store: The article store.
        shared: The configuration the clock publishes.
        lease: Seconds a claim lasts.
        running: Whether the worker is still running (False once it is asked to stop).
    """

    def __init__(
        self,
        stores: Stores,
        lease: float,
        running: Callable[[], bool],
        archive: WarcFiles | None = None,
    ) -> None:
        self.store = stores.articles
        self.archive = archive
        self.archived = stores.archive
        self.endpoints = stores.endpoints
        self.shared = stores.shared
        self.lease = lease
        self.running = running
        self._outage = Outage(logger, "record checks")
        self._threads = ThreadPoolExecutor(RECORD_THREADS, thread_name_prefix="redline-record")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        conn = client(settings.get("REDLINE_REDIS_URL"))
        keys = Keys(settings.get("REDLINE_REDIS_PREFIX"))
        return cls(
            Stores.open(conn, keys),
            lease=settings.getfloat("REDLINE_LEASE"),
            running=lambda: crawler.crawling,
            archive=WarcFiles(
                Path(settings.get("REDLINE_ARCHIVE_DIR") or "var/archive"),
                settings.getint("REDLINE_ARCHIVE_FILE_SIZE") or FILE_SIZE,
            ),
        )

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Fetch | ListingFetch):
            await asyncio.get_running_loop().run_in_executor(self._threads, self.record, item)
        return item

    def close_spider(self) -> None:
        """Lets the records under way finish, then ends the threads."""
        self._threads.shutdown(wait=True)

    def record(self, fetch: Fetch | ListingFetch) -> Update | Read | None:
        """Extracts the fetched page (if any) with its source's rules and records the check,
        or reads the discovery endpoint's listing and records the read, waiting for Redis as
        the class describes; returns what was written."""
        expires = (fetch.claimed_at or time.time()) + self.lease
        while True:
            try:
                update = self._record(fetch)
            except redis.RedisError as exc:
                if unavailable(exc) and self.running() and time.time() + RECORD_RETRY < expires:
                    self._outage.failed(exc, time.monotonic())
                    time.sleep(RECORD_RETRY)
                    continue
                logger.error(
                    "could not record the check of %s (checked again when its claim expires): %s",
                    fetch.url,
                    describe(exc),
                )
                return None
            except Exception:  # a bad stored value must not take the worker down
                logger.exception(
                    "could not record the check of %s (checked again when its claim expires)",
                    fetch.url,
                )
                return None
            self._outage.succeeded(time.monotonic())
            if update is None:
                logger.warning("fetched %s but it is not tracked any more", fetch.url)
            return update

    def _record(self, fetch: Fetch | ListingFetch) -> Update | Read | None:
        if isinstance(fetch, ListingFetch):
            return self._record_read(fetch)
        instructions = self.shared.for_source(fetch.source)
        policy = instructions.policy
        fetch = _known_page(fetch, instructions.rules)
        page, error = _extract(fetch, instructions.rules)
        update = self.store.record(
            fetch.article_id,
            lambda state, history: plan_update(state, history, fetch, page, error, policy),
        )
        if update is not None:
            self._archive(fetch, update)
            _log(fetch, update)
        return update

    def _archive(self, fetch: Fetch, update: Update) -> None:
        """Keeps the response that recorded a version, and notes where it is; a failure is
        logged (naming the file, when the record was written) and the check stands."""
        version = update.version
        if version is None or fetch.exchange is None or self.archive is None:
            return
        try:
            archived = self.archive.write(fetch.exchange, fetch.fetched_at)
        except OSError as exc:
            logger.error("could not archive version %d of %s: %s", version.number, fetch.url, exc)
            return
        try:
            self.archived.note(fetch.article_id, version.number, archived)
        except redis.RedisError as exc:
            logger.error(
                "version %d of %s is archived in %s at %d, but Redis could not note it: %s",
                version.number,
                fetch.url,
                archived.file,
                archived.offset,
                exc,
            )

    def _record_read(self, fetch: ListingFetch) -> Read | None:
        endpoint = self.endpoints.load(fetch.endpoint_id)
        if endpoint is None:
            return None
        listing, error = _listing(fetch, endpoint.link_pattern)
        now = time.time()
        window = self.shared.for_source(endpoint.source).policy.stability_window
        read = self.endpoints.record(fetch, listing, error, now, since=now - window)
        if read is not None:
            _log_read(fetch, read)
        return read


def _listing(fetch: ListingFetch, link_pattern: str) -> tuple[Listing | None, str]:
    """What a discovery endpoint's document lists, or why the read failed."""
    if fetch.not_modified:
        return None, ""
    if fetch.body is None:
        return None, fetch.error or (f"HTTP {fetch.status}" if fetch.status else "no answer")
    try:
        pattern = re.compile(link_pattern) if link_pattern else None
        return read_listing(fetch.body, fetch.final_url, pattern), ""
    except DiscoveryError as exc:
        return None, f"cannot read the listing: {exc}"
    except Exception as exc:  # a hostile document must never take the worker down
        logger.exception("reading the listing of %s crashed", fetch.url)
        return None, f"reading the listing crashed: {type(exc).__name__}: {exc}"


def _log_read(fetch: ListingFetch, read: Read) -> None:
    state = read.state
    if read.stale:
        logger.info("discarded a stale read of %s: a read as new was recorded meanwhile", fetch.url)
    elif state.errors:
        logger.warning(
            "discovery failed (%d in a row): %s: %s", state.errors, fetch.url, state.last_error
        )
    elif read.found:
        logger.info(
            "discovered %d new articles in %s (%s, %d listed)",
            len(read.found),
            fetch.url,
            state.kind,
            state.listed,
        )


def _log(fetch: Fetch, update: Update) -> None:
    state = update.state
    if update.event is not None:
        logger.info(
            "%s: %s (version %d)", ", ".join(update.event.kinds), fetch.url, update.event.version
        )
    elif update.finding is Finding.FAILED:
        logger.warning(
            "check failed (%d in a row): %s: %s", state.errors, fetch.url, state.last_error
        )
    elif update.finding is Finding.CHANGED:
        logger.info("first version of %s recorded", fetch.url)
    elif update.finding is Finding.CANDIDATE and update.state.held:
        logger.info(
            "%s changed in a way its site's template casts doubt on; published if its next"
            " check shows it again",
            fetch.url,
        )
    elif update.finding is Finding.CANDIDATE:
        logger.info("%s reads differently; fetching it again to confirm", fetch.url)
    elif update.finding is Finding.FLIP:
        logger.info("%s flipped back to an earlier version again (not published)", fetch.url)
    elif update.finding is Finding.STALE:
        logger.warning(
            "discarded a stale fetch of %s: a check as new was recorded meanwhile", fetch.url
        )
    elif update.finding is Finding.NOT_HTML:
        logger.info("%s is not an HTML page (%s): not extracted", fetch.url, fetch.not_html)
    elif update.finding is Finding.REBASELINED:
        logger.info(
            "%s re-read by new extraction code: new baseline, no change published", fetch.url
        )
    elif update.finding is Finding.DUPLICATE:
        logger.info(
            "%s is the same article as %s: not recorded twice", fetch.url, state.duplicate_of
        )
    if update.extraction_failed and update.finding is not Finding.FAILED:
        logger.warning(
            "%s read differently, then not the same way again: not a change, counted as an"
            " extraction failure",
            fetch.url,
        )
    if update.site_backoff_until is not None:
        logger.warning(
            "site %s is failing; leaving it alone for %.0fs",
            state.site,
            update.site_backoff_until - fetch.fetched_at,
        )


def _known_page(fetch: Fetch, rules: ExtractionRules) -> Fetch:
    """Notes the page's digest; a page the article's last check already read without doubt
    (the same text, read by the same code and rules) is not read again: it is as good as a
    304."""
    if fetch.html is None:
        return fetch
    digest = page_digest(fetch.html, reader_of(rules))
    if digest == fetch.previous_page:
        return replace(fetch, html=None, not_modified=True, page_digest=digest)
    return replace(fetch, page_digest=digest)


def _extract(fetch: Fetch, rules: ExtractionRules) -> tuple[ExtractedPage | None, str]:
    if fetch.html is None:
        return None, fetch.error
    try:
        return extract_page(fetch.html, fetch.final_url, rules), ""
    except ExtractionError as exc:
        return None, f"extraction failed: {exc}"
    except RulesError as exc:
        return None, f"the rules of source {fetch.source!r} are wrong: {exc}"
    except Exception as exc:  # a hostile page must never take the worker down
        logger.exception("extraction crashed on %s", fetch.url)
        return None, f"extraction crashed: {type(exc).__name__}: {exc}"
