"""The web role: a read-only HTTP server for the Atom feeds and the web view.

The application is plain WSGI (:class:`WebApp`), served by Twisted's WSGI container on a
bounded thread pool, gzip-compressed when the client accepts it. Feed responses carry an
``ETag`` and ``Last-Modified`` derived from the newest event of that feed, so a poller
that already has the latest feed gets a ``304`` without the feed being rendered; a page
reads only the events it shows, from the feed's index stream.
"""

from __future__ import annotations

import hashlib
import logging
import re
import socket
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode

import redis

from crawler.domain.codec import to_json
from crawler.domain.diff import ChangeKind
from crawler.store.archive import ArchiveError, read
from crawler.web.card import card
from crawler.web.feed import FeedPage, render_feed, render_health_feed
from crawler.web.metrics import CONTENT_TYPE, RedlineCollector, metrics_text
from crawler.web.pages import article_page, error_page, index_page, source_page
from crawler.web.views import ViewError, article_view, index_view, source_view

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from crawler.store.articles import StoredEvent
    from crawler.store.stores import Stores

logger = logging.getLogger(__name__)

_SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
_STATUS = {
    200: "200 OK",
    304: "304 Not Modified",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    503: "503 Service Unavailable",
}


class WebApp:
    """The WSGI application.

    Routes (every page also as JSON, with ``Accept: application/json`` or a ``.json``
    suffix):

    - ``/``: recent changes and the sources; ``/feed.atom``: all changes.
    - ``/sources/NAME``: a source's articles; ``/sources/NAME/feed.atom``: its changes.
    - ``/articles/ID?from=A&to=B``: an article's history, versions A and B side by side;
      ``/articles/ID/feed.atom``: its changes.
    - ``/health.atom``: the sources' health: an entry when one starts failing, and when it
      recovers (see :mod:`crawler.store.health`).
    - ``/metrics``: the figures of :mod:`crawler.web.metrics`, in the Prometheus text format.
    - ``/healthz``: 200 while Redis answers.
    - ``/events/EVENT/card.png``: an image of the change, to share.
    - ``/articles/ID/archived/N``: the page that recorded version N, as fetched, from the
      WARC files: a download (plain text, never HTML of redline's origin: archived pages
      are hostile input).

    Feeds take ``?kind=KIND`` (only changes of that kind: headline, byline, body,
    correction, gone, restored, moved, reverted) and ``?before=EVENT`` (the page of
    older entries its ``rel="next"`` link names, RFC 5005).

    Args:
        stores: Where events and everything shown are read from.
        feed_title: The title of the feed of all changes (and of the index page).
        feed_size: How many entries a feed page holds.
        archive_dir: Where the WARC files are (None: archived pages are not served).
    """

    def __init__(
        self, stores: Stores, feed_title: str, feed_size: int, archive_dir: Path | None = None
    ) -> None:
        self.stores = stores
        self.archive_dir = archive_dir
        self.store = stores.articles
        self.feed_title = feed_title
        self.feed_size = feed_size
        self.metrics = RedlineCollector(stores)

    def __call__(
        self, environ: dict[str, object], start_response: Callable[..., object]
    ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if method not in ("GET", "HEAD"):
            response = Response(
                405, "text/plain", b"method not allowed\n", [("Allow", "GET, HEAD")]
            )
        else:
            try:
                response = self._route(Request.of(environ))
            except ViewError as exc:
                response = _error(exc.status, str(exc), Request.of(environ))
        start_response(_STATUS[response.status], response.header_list() + _SECURITY_HEADERS)
        return [b"" if method == "HEAD" else response.body]

    def _route(self, request: Request) -> Response:
        path = request.path
        if path == "/healthz":
            return self._health()
        if path == "/metrics":
            return Response(200, CONTENT_TYPE, metrics_text(self.metrics))
        if path == "/health.atom":
            entries = self.stores.health.recent(self.feed_size)
            body = render_health_feed(entries, request.base_url, now=time.time())
            return Response(200, "application/atom+xml; charset=utf-8", body)
        feed = path.endswith("/feed.atom")
        stem = path.removesuffix("/feed.atom") if feed else path.removesuffix(".json")
        section, _, name = stem.strip("/").partition("/")
        if section == "articles" and (archived := _ARCHIVED.fullmatch(name)):
            return self._archived(archived[1], int(archived[2]))
        if section == "events" and (drawn := _CARD.fullmatch(name)):
            return self._card(drawn[1])
        if feed and not section:
            return self._feed(request, "", "")
        if section in ("sources", "articles") and name and "/" not in name:
            if feed:
                return self._feed(request, section, name)
            return self._page(request, section, name)
        if not feed and section in ("", "index"):
            index = index_view(self.store, INDEX_CHANGES, time.time())
            return _view(index, request.wants_json, lambda: index_page(index, self.feed_title))
        raise ViewError(404, f"nothing at {path}")

    def _card(self, event_id: str) -> Response:
        """The image of a change (:mod:`crawler.web.card`)."""
        stored = self.store.event(event_id)
        if stored is None:
            raise ViewError(404, f"no change event {event_id!r}")
        return Response(200, "image/png", card(stored))

    def _archived(self, article_id: str, version: int) -> Response:
        """The response that recorded a version, as archived: a plain-text download."""
        archived = self.stores.archive.at(article_id, version)
        if archived is None or self.archive_dir is None:
            raise ViewError(404, f"version {version} of article {article_id!r} is not archived")
        try:
            _, body = read(self.archive_dir, archived)
        except ArchiveError as exc:
            logger.error("archived version %d of %s: %s", version, article_id, exc)
            raise ViewError(404, f"the archived version {version} cannot be read") from exc
        name = f"{article_id}-version-{version}.html"
        disposition = [("Content-Disposition", f'attachment; filename="{name}"')]
        return Response(200, "text/plain", body, disposition)

    def _page(self, request: Request, section: str, name: str) -> Response:
        """A source's page or an article's page, as HTML or JSON."""
        now = time.time()
        if section == "sources":
            source = source_view(self.stores, name, now)
            return _view(source, request.wants_json, lambda: source_page(source))
        query = request.query
        article = article_view(self.stores, name, now, query.get("from", ""), query.get("to", ""))
        return _view(article, request.wants_json, lambda: article_page(article))

    def _feed(self, request: Request, section: str, name: str) -> Response:
        """One page of a feed: of all changes (no ``section``), of a source ("sources") or
        of an article ("articles")."""
        kind = request.query.get("kind", "")
        before = request.query.get("before", "")
        if kind and kind not in _KINDS:
            raise ViewError(400, f"kind={kind!r}: kinds are {', '.join(sorted(_KINDS))}")
        if before and not _EVENT_ID.fullmatch(before):
            raise ViewError(400, f"before={before!r} is not an event id (such as 1700000000000-0)")
        newest, read_page = self._feed_events(section, name, kind)
        feed_id, title = "all", self.feed_title
        if section:
            feed_id = f"{section.removesuffix('s')}/{name}"
            title += f": {name}" if section == "sources" else f": article {name}"
        base = request.base_url
        key = f"{newest}|{request.path}|{kind}|{before}|{base}|{self.feed_size}|{title}"
        etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        headers = [
            ("ETag", etag),
            ("Vary", "Accept-Encoding"),
            ("Cache-Control", "max-age=3600" if before else "no-cache"),
        ]
        newest_ms = int(newest.split("-")[0]) if newest else 0
        if newest_ms:
            headers.append(("Last-Modified", formatdate(newest_ms / 1000, usegmt=True)))
        if request.not_modified(etag, newest_ms / 1000):
            return Response(304, "", b"", headers)
        events = read_page(before)
        more = len(events) > self.feed_size
        events = events[: self.feed_size]
        if kind:
            feed_id += f"/kind/{kind}"
            title += f" ({kind} changes)"
        own = f"{base}{request.path}"
        page = FeedPage(
            feed_id=feed_id,
            title=title,
            self_url=_feed_url(own, kind, before),
            first_url=_feed_url(own, kind, ""),
            next_url=_feed_url(own, kind, events[-1].event_id) if more else "",
            site_url=base + (_path(section, name) if section else "/"),
            base_url=base,
        )
        body = render_feed(events, page, now=time.time())
        return Response(200, "application/atom+xml; charset=utf-8", body, headers)

    def _feed_events(
        self, section: str, name: str, kind: str
    ) -> tuple[str, Callable[[str], list[StoredEvent]]]:
        """The id of a feed's newest event ("" if none), which is all it takes to answer a
        poller that has it already, and how to read up to one more than a page of its
        events older than a given event id ("": the newest), newest first.

        Raises:
            ViewError: The source or article does not exist (404).
        """
        if section == "articles":
            if self.store.load(name) is None:
                raise ViewError(404, f"no article with id {name!r}")
            events = [
                e for e in reversed(self.store.timeline(name)) if not kind or kind in e.event.kinds
            ]

            def older(before: str) -> list[StoredEvent]:
                page = [e for e in events if not before or _older(e.event_id, before)]
                return page[: self.feed_size + 1]

            return (events[0].event_id if events else ""), older
        source = name if section == "sources" else ""
        if source and not self.store.has_source(source):
            raise ViewError(404, f"no source named {source!r}")

        def recent(before: str) -> list[StoredEvent]:
            return self.store.recent_events(self.feed_size + 1, before, source=source, kind=kind)

        return self.store.latest_event_id(source=source, kind=kind), recent

    def _health(self) -> Response:
        try:
            self.store.redis.ping()
        except (redis.RedisError, OSError) as exc:
            logger.warning("health check: Redis unreachable: %s", exc)
            return Response(503, "text/plain", b"redis unreachable\n")
        return Response(200, "text/plain", b"ok\n")


# The path of a change's image below /events/.
_CARD = re.compile(r"(\d+-\d+)/card\.png")
# The path of an archived version below /articles/.
_ARCHIVED = re.compile(r"([^/]+)/archived/(\d+)")
# How many changes the index page lists.
INDEX_CHANGES = 50
_KINDS = frozenset(ChangeKind)
_EVENT_ID = re.compile(r"\d{1,20}-\d{1,20}")


@dataclass(frozen=True)
class Response:
    """A response: status, media type ("" for none), body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header_list(self) -> list[tuple[str, str]]:
        typed = [("Content-Type", self.content_type)] if self.content_type else []
        return typed + self.headers


@dataclass(frozen=True)
class Request:
    """What the application reads of a WSGI request."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    base_url: str

    @classmethod
    def of(cls, environ: dict[str, object]) -> Request:
        """Reads the path, the query (first value of each name) and the HTTP headers."""
        query = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        # WSGI gives the path's bytes as latin-1; names in it may be UTF-8.
        raw = str(environ.get("PATH_INFO", "/")) or "/"
        path = raw.encode("latin-1", "replace").decode("utf-8", "replace")
        return cls(path, query, headers, _base_url(environ))

    @property
    def wants_json(self) -> bool:
        """True for a ``.json`` path, or an ``Accept`` header that asks for JSON before
        HTML."""
        if self.path.endswith(".json"):
            return True
        accept = self.headers.get("accept", "")
        return "application/json" in accept and "text/html" not in accept

    def not_modified(self, etag: str, newest: float) -> bool:
        """True when the client's conditional headers say it has this version."""
        if_none_match = self.headers.get("if-none-match", "")
        if if_none_match:
            tags = [tag.strip() for tag in if_none_match.split(",")]
            return etag in tags or if_none_match.strip() == "*"
        if_modified_since = self.headers.get("if-modified-since", "")
        if if_modified_since and newest:
            try:
                return int(newest) <= parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
        return False


def _view(view: object, json: bool, html: Callable[[], str]) -> Response:
    headers = [("Vary", "Accept"), ("Cache-Control", "no-cache")]
    if json:
        return Response(200, "application/json", to_json(view).encode(), headers)
    return Response(200, "text/html; charset=utf-8", html().encode(), headers)


def _error(status: int, message: str, request: Request) -> Response:
    if request.wants_json:
        return Response(status, "application/json", to_json({"error": message}).encode())
    if request.path.endswith(".atom"):
        return Response(status, "text/plain; charset=utf-8", f"{message}\n".encode())
    return Response(status, "text/html; charset=utf-8", error_page(status, message).encode())


def _older(event_id: str, than: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("-"))

    return key(event_id) < key(than)


def _path(section: str, name: str) -> str:
    return f"/{section}/{quote(name, safe='')}"


def _feed_url(own: str, kind: str, before: str) -> str:
    """A feed page's URL: ``own`` with the kind filter and the paging cursor, if any."""
    query = urlencode([(k, v) for k, v in (("kind", kind), ("before", before)) if v])
    return f"{own}?{query}" if query else own


def _base_url(environ: dict[str, object]) -> str:
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = str(
        environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    )
    return f"{scheme}://{host}"


class CannotServeError(RuntimeError):
    """The web server cannot listen on its address; says why and what to do."""


def check_port(host: str, port: int) -> None:
    """Checks that the web server can listen on ``host:port`` (0: any free port).

    Raises:
        CannotServeError: another program (often another redline) holds the port.
    """
    if port == 0:
        return
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Twisted does
            probe.bind((host, port))
    except OSError as exc:
        raise CannotServeError(_cannot_listen(host, port, exc.strerror or str(exc))) from exc


def _cannot_listen(host: str, port: int, reason: str) -> str:
    return (
        f"the web server cannot listen on {host}:{port} ({reason}): another redline or"
        " another program is using it; stop it, or set web_port in the settings"
        " (REDLINE_WEB_PORT) to a free port"
    )


def serve(app: WebApp, host: str, port: int) -> None:
    """Serves ``app`` on ``host:port`` until SIGINT/SIGTERM (runs the Twisted reactor).

    Raises:
        CannotServeError: the port is taken (nothing is served).
    """
    from twisted.internet import reactor as installed_reactor
    from twisted.internet.error import CannotListenError
    from twisted.python.threadpool import ThreadPool
    from twisted.web.resource import EncodingResourceWrapper
    from twisted.web.server import GzipEncoderFactory, Site
    from twisted.web.wsgi import WSGIResource

    reactor: Any = installed_reactor  # zope interfaces do not type-check as methods
    pool = ThreadPool(minthreads=1, maxthreads=8, name="redline-web")
    pool.start()
    reactor.addSystemEventTrigger("after", "shutdown", pool.stop)
    resource = EncodingResourceWrapper(WSGIResource(reactor, pool, app), [GzipEncoderFactory()])
    site = Site(resource)
    site.displayTracebacks = False
    try:
        reactor.listenTCP(port, site, interface=host)
    except CannotListenError as exc:
        pool.stop()
        reason = getattr(exc.socketError, "strerror", None) or str(exc.socketError)
        raise CannotServeError(_cannot_listen(host, port, reason)) from exc
    logger.info("web server on http://%s:%d/ (feed: /feed.atom)", host, port)
    reactor.run()
