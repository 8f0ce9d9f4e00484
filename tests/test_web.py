"""The web role's WSGI application against a real redis-server."""

from __future__ import annotations

from typing import Any

import feedparser

from crawler.check import plan_update
from crawler.extract import ExtractedPage
from crawler.models import Article, Fetch
from crawler.store import ArticleStore, TrackTarget
from crawler.web import WebApp
from scheduler.policy import RecheckPolicy


def call(app: WebApp, path: str, **headers: str) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "HTTP_HOST": "127.0.0.1:8080",
        "wsgi.url_scheme": "http",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def record(store: ArticleStore, now: float, *paragraphs: str) -> None:
    page = ExtractedPage(Article("Headline <b>", "", paragraphs), "")
    url = "https://news.example/1"
    fetch = Fetch("id1", url, url, now, status=200)
    store.record(
        "id1", lambda s, history: plan_update(s, history, fetch, page, "", RecheckPolicy())
    )


def test_the_feed_is_cached_by_etag_until_a_new_change(store: ArticleStore) -> None:
    app = WebApp(store, "changes", 10)
    store.sync_tracked([TrackTarget("id1", "https://news.example/1", "example")], 0.0)
    record(store, 1.0, "The vote was 5 to 4.")
    status, headers, _ = call(app, "/feed.atom")
    assert status == "200 OK"
    assert "Last-Modified" not in headers  # no change recorded yet
    etag = headers["ETag"]
    assert call(app, "/feed.atom", if_none_match=etag)[0] == "304 Not Modified"

    record(store, 2.0, "The vote was 6 to 4.")
    status, headers, body = call(app, "/feed.atom", if_none_match=etag)
    assert status == "200 OK"
    assert headers["ETag"] != etag
    assert headers["Content-Type"].startswith("application/atom+xml")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert len(feedparser.parse(body).entries) == 1
    last_modified = headers["Last-Modified"]
    assert call(app, "/feed.atom", if_modified_since=last_modified)[0] == "304 Not Modified"


def test_the_index_escapes_page_text_and_unknown_paths_are_404(store: ArticleStore) -> None:
    app = WebApp(store, "changes", 10)
    store.sync_tracked([TrackTarget("id1", "https://news.example/1", "example")], 0.0)
    record(store, 1.0, "a")
    record(store, 2.0, "b")
    status, headers, body = call(app, "/")
    assert status == "200 OK"
    assert b"Headline &lt;b&gt;" in body
    assert b"Headline <b>" not in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert call(app, "/nope")[0] == "404 Not Found"
    assert call(app, "/healthz")[2] == b"ok\n"
