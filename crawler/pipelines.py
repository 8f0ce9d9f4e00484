"""The change pipeline: extract, fingerprint, compare, and record each fetch atomically.

Settings read: ``REDLINE_REDIS_URL``, ``REDLINE_REDIS_PREFIX``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self

import redis

from crawler.check import Finding, Update, plan_update
from crawler.connection import client
from crawler.extract import ExtractedPage, ExtractionError, extract_page, reader_of
from crawler.hashing import page_digest
from crawler.keys import Keys
from crawler.models import Fetch
from crawler.rules import ExtractionRules, RulesError
from crawler.shared import SharedConfig
from crawler.store import ArticleStore

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ChangePipeline:
    """Records every :class:`~crawler.models.Fetch`: a new version and a change event when
    the article changed, the schedule's next check either way.

    The work (extraction is CPU-bound, Redis calls block) runs in a worker thread so the
    reactor keeps fetching. A fetch that cannot be recorded (Redis down) is logged and
    dropped: its claim expires and the article is checked again, so nothing is lost.
    """

    def __init__(self, store: ArticleStore, shared: SharedConfig) -> None:
        self.store = store
        self.shared = shared

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        conn = client(settings.get("REDLINE_REDIS_URL"))
        keys = Keys(settings.get("REDLINE_REDIS_PREFIX"))
        return cls(ArticleStore(conn, keys), SharedConfig(conn, keys))

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Fetch):
            await asyncio.to_thread(self.record, item)
        return item

    def record(self, fetch: Fetch) -> Update | None:
        """Extracts the fetched page (if any) with its source's rules and records the check;
        returns what was written."""
        try:
            instructions = self.shared.for_source(fetch.source)
            policy = instructions.policy
            fetch = _known_page(fetch, instructions.rules)
            page, error = _extract(fetch, instructions.rules)
            update = self.store.record(
                fetch.article_id,
                lambda state, history: plan_update(state, history, fetch, page, error, policy),
            )
        except redis.RedisError as exc:
            logger.error(
                "could not record the check of %s (it will be retried): %s", fetch.url, exc
            )
            return None
        except Exception:  # a bad stored value must not take the worker down
            logger.exception("could not record the check of %s (it will be retried)", fetch.url)
            return None
        if update is None:
            logger.warning("fetched %s but it is not tracked any more", fetch.url)
        else:
            _log(fetch, update)
        return update


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
    elif update.finding is Finding.SUSPECT:
        logger.info("suspicious extraction of %s; fetching it again to confirm", fetch.url)
    elif update.finding is Finding.FLIP:
        logger.info("%s flipped back to an earlier version again (not published)", fetch.url)
    elif update.finding is Finding.STALE:
        logger.warning(
            "discarded a stale fetch of %s: a newer check was recorded meanwhile", fetch.url
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
        logger.warning("unconfirmed suspicious extraction of %s counted as failed", fetch.url)
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
