"""The web role: a read-only HTTP server for the Atom feed and a page of recent changes.

The application is plain WSGI (:class:`WebApp`), served by Twisted's WSGI container on a
bounded thread pool, gzip-compressed when the client accepts it. Feed responses carry an
``ETag`` and ``Last-Modified`` derived from the newest event, so a poller that already has
the latest feed gets a ``304`` without the feed being rendered.
"""

from __future__ import annotations

import hashlib
import logging
import time
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from typing import TYPE_CHECKING, Any

from crawler.feed import render_feed, summary

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from crawler.store import ArticleStore

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
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    503: "503 Service Unavailable",
}


class WebApp:
    """The WSGI application.

    Args:
        store: Where events are read from.
        feed_title: The feed's title.
        feed_size: How many entries the feed holds.
    """

    def __init__(self, store: ArticleStore, feed_title: str, feed_size: int) -> None:
        self.store = store
        self.feed_title = feed_title
        self.feed_size = feed_size

    def __call__(
        self, environ: dict[str, object], start_response: Callable[..., object]
    ) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/"))
        if method not in ("GET", "HEAD"):
            status, headers, body = 405, [("Allow", "GET, HEAD")], b"method not allowed\n"
        elif path == "/feed.atom":
            status, headers, body = self._feed(environ)
        elif path == "/":
            status, headers, body = self._index()
        elif path == "/healthz":
            status, headers, body = self._health()
        else:
            status, headers, body = 404, [("Content-Type", "text/plain")], b"not found\n"
        start_response(_STATUS[status], headers + _SECURITY_HEADERS)
        return [b"" if method == "HEAD" else body]

    def _feed(self, environ: dict[str, object]) -> tuple[int, list[tuple[str, str]], bytes]:
        newest = self.store.latest_event_id()
        etag = (
            '"'
            + hashlib.sha256(f"{newest}|{self.feed_size}|{self.feed_title}".encode()).hexdigest()[
                :32
            ]
            + '"'
        )
        newest_ms = int(newest.split("-")[0]) if newest else 0
        headers = [("ETag", etag), ("Cache-Control", "no-cache")]
        if newest_ms:
            headers.append(("Last-Modified", formatdate(newest_ms / 1000, usegmt=True)))
        if _not_modified(environ, etag, newest_ms / 1000):
            return 304, headers, b""
        base = _base_url(environ)
        body = render_feed(
            self.store.recent_events(self.feed_size),
            title=self.feed_title,
            feed_url=f"{base}/feed.atom",
            site_url=f"{base}/",
            now=time.time(),
        )
        return 200, [("Content-Type", "application/atom+xml; charset=utf-8"), *headers], body

    def _index(self) -> tuple[int, list[tuple[str, str]], bytes]:
        rows = []
        for stored in self.store.recent_events(50):
            event = stored.event
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(event.detected_at))
            rows.append(
                f"<tr><td>{escape(when)}</td><td>{escape(event.source)}</td>"
                f'<td><a href="{escape(event.url)}" rel="noreferrer">'
                f"{escape(event.headline or event.url)}</a></td>"
                f"<td>{escape(summary(event))}</td></tr>"
            )
        table = "\n".join(rows) or '<tr><td colspan="4">No changes recorded yet.</td></tr>'
        page = (
            "<!doctype html><html><head><meta charset=utf-8>"
            f"<title>{escape(self.feed_title)}</title>"
            '<link rel="alternate" type="application/atom+xml" href="/feed.atom"></head>'
            f"<body><h1>{escape(self.feed_title)}</h1>"
            '<p><a href="/feed.atom">Atom feed of all changes</a></p>'
            "<table><tr><th>When</th><th>Source</th><th>Article</th><th>Change</th></tr>"
            f"{table}</table></body></html>"
        )
        return 200, [("Content-Type", "text/html; charset=utf-8")], page.encode()

    def _health(self) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            self.store.redis.ping()
        except Exception as exc:
            logger.warning("health check: Redis unreachable: %s", exc)
            return 503, [("Content-Type", "text/plain")], b"redis unreachable\n"
        return 200, [("Content-Type", "text/plain")], b"ok\n"


def _not_modified(environ: dict[str, object], etag: str, newest: float) -> bool:
    if_none_match = str(environ.get("HTTP_IF_NONE_MATCH", ""))
    if if_none_match:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    if_modified_since = str(environ.get("HTTP_IF_MODIFIED_SINCE", ""))
    if if_modified_since:
        try:
            return int(newest) <= parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _base_url(environ: dict[str, object]) -> str:
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = str(
        environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    )
    return f"{scheme}://{host}"


def serve(app: WebApp, host: str, port: int) -> None:
    """Serves ``app`` on ``host:port`` until SIGINT/SIGTERM (runs the Twisted reactor)."""
    from twisted.internet import reactor as installed_reactor
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
    reactor.listenTCP(port, site, interface=host)
    logger.info("web server on http://%s:%d/ (feed: /feed.atom)", host, port)
    reactor.run()
