"""The article spider: a long-running spider that fetches whatever Redis says is due.

It never runs out of start requests: :meth:`ArticleSpider.start` claims due articles from
the shared ready queue whenever it has room (at most ``CONCURRENT_REQUESTS`` claims
outstanding). With no room, it waits until one of its checks is recorded. When nothing
could be claimed, it asks again after :data:`BUSY_POLL` seconds if due checks wait for
their sites' checks in flight (all workers poll alike, so each gets its share of the
places that free up), or after ``REDLINE_IDLE_POLL`` seconds if nothing is due.

Every request ends in exactly one item, success or failure, which the pipeline records: a
:class:`crawler.domain.models.Fetch` for an article's page (:meth:`ArticleSpider.parse`), a
:class:`crawler.domain.models.ListingFetch` for a discovery endpoint's listing
(:meth:`ArticleSpider.parse_listing`). While a check is outstanding, its claim is renewed
every :data:`crawler.store.queue.HEARTBEAT` seconds (up to ``REDLINE_LEASE`` after the
claim), so the claims of a worker that dies, even by ``kill -9``, are free again within
:data:`crawler.store.queue.LIVE_LEASE`. Claims still outstanding when the spider closes are
handed back to the queue.

Claims are polite across workers: a site never has more than ``REDLINE_PER_SITE`` checks
in flight from all workers together, and a backed-off site is not fetched at all (see
:meth:`crawler.store.queue.DueQueue.claim`).

Settings read: ``REDLINE_REDIS_URL``, ``REDLINE_REDIS_PREFIX``, ``REDLINE_LEASE``,
``REDLINE_IDLE_POLL``, ``REDLINE_PER_SITE``, ``CONCURRENT_REQUESTS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import replace
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin

import redis
import scrapy
from scrapy import exceptions as download
from scrapy import signals
from scrapy.http import Headers, Request
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.domain.codec import as_text
from crawler.domain.models import Claim, Exchange, Fetch, ListingFetch
from crawler.extraction.decode import decode_html, non_html_type
from crawler.guard import url_refusal
from crawler.store.connection import Outage, client
from crawler.store.keys import Keys, is_endpoint
from crawler.store.queue import HEARTBEAT, DueQueue

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Statuses handed to the spider rather than filtered out: all of them are outcomes.
HANDLED_STATUSES = [304, *range(400, 600)]
# Seconds to wait before claiming again when due checks wait for their sites' limits.
BUSY_POLL = 0.05
# Seconds to wait before asking Redis again after it failed.
_REDIS_RETRY = 1.0
# Failures that mean no answer came: the network or the site, not the article.
_NETWORK_ERRORS = (
    download.CannotResolveHostError,
    download.DownloadConnectionRefusedError,
    download.DownloadFailedError,
    download.DownloadTimeoutError,
    download.ResponseDataLossError,
    net.ConnectError,
    net.ConnectionDone,
    net.ConnectionLost,
    net.DNSLookupError,
    net.TCPTimedOutError,
    net.TimeoutError,
    ResponseFailed,
    ResponseNeverReceived,
    TimeoutError,
)


class ArticleSpider(scrapy.Spider):
    """Fetches due articles, with conditional GET when the last response allowed it."""

    name = "articles"
    handle_httpstatus_list = HANDLED_STATUSES

    def __init__(
        self, queue: DueQueue, lease: float, idle_poll: float, capacity: int, per_site: int
    ) -> None:
        super().__init__()
        self.queue = queue
        self.lease = lease
        self.idle_poll = idle_poll
        self.capacity = capacity
        self.per_site = per_site
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self._outstanding: dict[str, float] = {}  # article id: when it was claimed
        self._finished = asyncio.Event()
        self._outage = Outage(logger, "claim work from Redis")
        self._heartbeat: asyncio.Task[None] | None = None
        self._renew_outage = Outage(logger, "renew claims")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        settings = crawler.settings
        keys = Keys(settings.get("REDLINE_REDIS_PREFIX"))
        spider = cls(
            queue=DueQueue(client(settings.get("REDLINE_REDIS_URL")), keys),
            lease=settings.getfloat("REDLINE_LEASE"),
            idle_poll=settings.getfloat("REDLINE_IDLE_POLL"),
            capacity=settings.getint("CONCURRENT_REQUESTS"),
            per_site=settings.getint("REDLINE_PER_SITE"),
        )
        spider._set_crawler(crawler)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._on_item_done, signal=signal)
        crawler.signals.connect(spider._on_spider_closed, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        """Yields requests for due articles, forever (until the crawler stops): an error
        while claiming is logged and claiming goes on; a claim whose URL cannot be
        requested is yielded as a failed check."""
        self._heartbeat = asyncio.get_running_loop().create_task(self._renew_claims())
        while True:
            room = self.capacity - len(self._outstanding)
            if room <= 0:
                await self._until_a_check_finishes()
                continue
            self._finished.clear()  # a check recorded while claiming wakes the next wait
            try:
                claims, waiting = await asyncio.to_thread(self._claim, room)
            except redis.RedisError as exc:
                self._outage.failed(exc, time.monotonic())
                await asyncio.sleep(_REDIS_RETRY)
                continue
            except Exception:  # the loop must not end: the worker would stop claiming
                logger.exception("claiming work failed; retrying")
                await asyncio.sleep(_REDIS_RETRY)
                continue
            self._outage.succeeded(time.monotonic())
            if not claims:
                await asyncio.sleep(BUSY_POLL if waiting else self.idle_poll)
                continue
            # Noted before the first yield: if the crawl stops between two, every claim
            # not yet fetched is handed back when the spider closes.
            self._outstanding.update((claim.id, claim.claimed_at) for claim in claims)
            for claim in claims:
                try:
                    request = self._request(claim)
                except ValueError as exc:  # a URL Scrapy cannot request: a failed check
                    yield self._unrequestable(claim, str(exc))
                    continue
                yield request

    def _claim(self, room: int) -> tuple[list[Claim], bool]:
        """Up to ``room`` claims, and whether due checks wait for a worker."""
        claims = self.queue.claim(time.time(), room, self.lease, self.per_site)
        return claims, bool(claims) or self.queue.waiting() > 0

    async def _renew_claims(self) -> None:
        """Renews the outstanding claims every :data:`HEARTBEAT` seconds, for as long as
        the spider runs; a failure is logged, and the next beat tries again."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            claims = dict(self._outstanding)
            try:
                await asyncio.to_thread(self.queue.renew, claims, time.time(), self.lease)
            except redis.RedisError as exc:
                self._renew_outage.failed(exc, time.monotonic())
                continue
            except Exception:  # the heartbeat must not end while the worker runs
                logger.exception("renewing the claims failed; retrying")
                continue
            self._renew_outage.succeeded(time.monotonic())

    async def _until_a_check_finishes(self) -> None:
        """Waits until one of this worker's checks is recorded, at most the idle poll."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._finished.wait(), self.idle_poll)

    def _unrequestable(self, claim: Claim, reason: str) -> Fetch | ListingFetch:
        """The failed check of a claim whose URL cannot be requested at all."""
        return _item(
            claim,
            url=claim.url,
            final_url=claim.url,
            fetched_at=time.time(),
            source=claim.source,
            error=f"cannot request this URL: {reason}",
            worker=self.worker_id,
            claimed_at=claim.claimed_at,
        )

    def _request(self, claim: Claim) -> Request:
        headers = {}
        if claim.etag:
            headers["If-None-Match"] = claim.etag
        if claim.last_modified:
            headers["If-Modified-Since"] = claim.last_modified
        return Request(
            claim.url,
            headers=headers,
            callback=self.parse_listing if is_endpoint(claim.id) else self.parse,
            errback=self.failed,
            dont_filter=True,
            meta={"claim": claim},
        )

    def _answer(self, response: Response) -> dict[str, Any]:
        """What every answer to a claim's request holds (see :class:`Answer`)."""
        claim: Claim = response.meta["claim"]
        now = time.time()
        return {
            "url": claim.url,
            "final_url": response.url,
            "fetched_at": now,
            "status": response.status,
            "source": claim.source,
            "not_modified": response.status == 304,
            "error": f"HTTP {response.status}" if response.status >= 400 else "",
            "etag": header(response, b"ETag"),
            "last_modified": header(response, b"Last-Modified"),
            "retry_after": retry_after(header(response, b"Retry-After"), now),
            "worker": self.worker_id,
            "claimed_at": claim.claimed_at,
        }

    def parse(self, response: Response, **kwargs: Any) -> Any:
        """Turns the response for an article into a :class:`Fetch`: a page, a 304, a
        document that is not HTML, or an HTTP error."""
        claim: Claim = response.meta["claim"]
        fetch = Fetch(
            article_id=claim.id, previous_page=claim.page_digest, **self._answer(response)
        )
        if fetch.not_modified or fetch.error:
            yield fetch
        elif kind := non_html_type(header(response, b"Content-Type"), response.body):
            yield replace(fetch, not_html=kind)
        else:
            html = decode_html(response.body, header(response, b"Content-Type"))
            yield replace(fetch, html=html, exchange=exchange(response))

    def parse_listing(self, response: Response, **kwargs: Any) -> Any:
        """Turns the response for a discovery endpoint into a :class:`ListingFetch`: its
        document as fetched, a 304, or an HTTP error."""
        answer = self._answer(response)
        body = None if answer["not_modified"] or answer["error"] else response.body
        yield ListingFetch(endpoint_id=response.meta["claim"].id, body=body, **answer)

    def failed(self, failure: Failure) -> Any:
        """Turns a failed request (timeout, refused, too large, robots.txt) into the failed
        check of its article or endpoint."""
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        claim: Claim = request.meta["claim"]
        yield _item(
            claim,
            url=claim.url,
            final_url=request.url,
            fetched_at=time.time(),
            source=claim.source,
            error=describe_failure(failure),
            network_error=failure.check(*_NETWORK_ERRORS) is not None,  # type: ignore[no-untyped-call]
            worker=self.worker_id,
            claimed_at=claim.claimed_at,
        )

    def _on_item_done(self, item: Any, **kwargs: Any) -> None:
        if isinstance(item, Fetch):
            self._outstanding.pop(item.article_id, None)
        elif isinstance(item, ListingFetch):
            self._outstanding.pop(item.endpoint_id, None)
        else:
            return
        self._finished.set()

    def _on_spider_closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        if not self._outstanding:
            return
        try:
            released = self.queue.release(sorted(self._outstanding), time.time())
        except redis.RedisError as exc:
            logger.warning(
                "could not hand back %d claims (they will expire): %s", len(self._outstanding), exc
            )
            return
        logger.info("handed %d unfinished claims back to the queue", released)


def _item(claim: Claim, **answer: Any) -> Fetch | ListingFetch:
    """The item of a failed check of ``claim``: its endpoint's or its article's."""
    if is_endpoint(claim.id):
        return ListingFetch(endpoint_id=claim.id, **answer)
    return Fetch(article_id=claim.id, previous_page=claim.page_digest, **answer)


def exchange(response: Response) -> Exchange:
    """The request and the response as the worker got them (to archive)."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return Exchange(
        url=response.url,
        request_headers=_pairs(response.request.headers if response.request else Headers()),
        status=response.status,
        reason=reason,
        headers=_pairs(response.headers),
        body=response.body,
    )


def _pairs(headers: Headers) -> tuple[tuple[str, str], ...]:
    """Every header, one pair per value, in order."""
    return tuple(
        (as_text(name), as_text(value)) for name in headers for value in headers.getlist(name)
    )


def retry_after(value: str, now: float) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header: a number of seconds or an
    HTTP date (None when absent or unreadable; never negative)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError):
        return None


def header(response: Response, name: bytes) -> str:
    """A response header's value as text ("" when absent)."""
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else ""


def describe_failure(failure: Failure) -> str:
    """A failed request in words: the error's type and message; for a redirect that was
    not followed, where it led and why."""
    error = failure.value
    if isinstance(error, HttpError) and 300 <= error.response.status < 400:
        response = error.response
        location = urljoin(response.url, header(response, b"Location"))
        reason = url_refusal(location, allow_private=True) or "not followed"
        return f"HTTP {response.status} redirect to {location[:200]}: {reason}"
    text = str(error).strip()
    if isinstance(error, download.DownloadCancelledError) and text in ("", type(error).__name__):
        # Scrapy cancels a body of unannounced length (chunked) once it passes
        # DOWNLOAD_MAXSIZE, and says nothing more.
        text = "the download was cancelled: a body past the size limit, or the worker stopping"
    return f"{type(error).__name__}: {text or type(error).__name__}"
