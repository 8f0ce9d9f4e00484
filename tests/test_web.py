"""The web role's WSGI application against a real redis-server."""

from __future__ import annotations

import json
import shlex
import threading
from typing import TYPE_CHECKING, Any

import feedparser
import pytest
import redis

from crawler.domain.identity import article_id
from crawler.store.stores import Stores
from crawler.web.app import WebApp
from tests.recording import atom_problems, record, track

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.store.articles import ArticleStore
    from crawler.store.keys import Keys


def call(
    app: WebApp, path: str, method: str = "GET", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(response_headers)

    path, _, query = path.partition("?")
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "127.0.0.1:8080",
        "wsgi.url_scheme": "http",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


URL = "https://news.example/1"


def test_the_feed_is_cached_by_etag_until_a_new_change(store: ArticleStore) -> None:
    app = WebApp(Stores.of(store), "changes", 10)
    track(store, URL)
    record(store, URL, 1.0, "Headline <b>", "The vote was 5 to 4.")
    status, headers, _ = call(app, "/feed.atom")
    assert status == "200 OK"
    assert "Last-Modified" not in headers  # no change recorded yet
    etag = headers["ETag"]
    assert call(app, "/feed.atom", if_none_match=etag)[0] == "304 Not Modified"

    record(store, URL, 2.0, "Headline <b>", "The vote was 6 to 4.")
    status, headers, body = call(app, "/feed.atom", if_none_match=etag)
    assert status == "200 OK"
    assert headers["ETag"] != etag
    assert headers["Content-Type"].startswith("application/atom+xml")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert len(feedparser.parse(body).entries) == 1
    last_modified = headers["Last-Modified"]
    assert call(app, "/feed.atom", if_modified_since=last_modified)[0] == "304 Not Modified"


def test_the_index_escapes_page_text_and_unknown_paths_are_404(store: ArticleStore) -> None:
    app = WebApp(Stores.of(store), "changes", 10)
    track(store, URL)
    record(store, URL, 1.0, "Headline <b>", "a")
    record(store, URL, 2.0, "Headline <b>", "b")
    status, headers, body = call(app, "/")
    assert status == "200 OK"
    assert b"Headline &lt;b&gt;" in body
    assert b"Headline <b>" not in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert call(app, "/nope")[0] == "404 Not Found"
    assert call(app, "/healthz")[2] == b"ok\n"


def paged(app: WebApp, url: str) -> tuple[list[str], int]:
    """The entry ids of a feed, following its ``rel="next"`` links; and how many pages."""
    ids: list[str] = []
    pages = 0
    while url:
        status, _, body = call(app, url.removeprefix("http://127.0.0.1:8080"))
        assert status == "200 OK", body
        assert atom_problems(body) == []
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        ids += [entry.id for entry in parsed.entries]
        pages += 1
        url = next((link.href for link in parsed.feed.links if link.rel == "next"), "")
    return ids, pages


def text(url: str, one: str = "", two: str = "") -> tuple[str, str]:
    """The two paragraphs of the article at ``url`` (each its own, as on a real site), with
    what an edit added to each."""
    return f"One at {url}{one}.", f"Two at {url}{two}."


def newsroom(store: ArticleStore) -> dict[str, list[str]]:
    """Two sources; 7 changes in "daily" (3 of them headline changes), 2 in "weekly"."""
    a, b, c = "https://daily.example/a", "https://daily.example/b", "https://weekly.example/c"
    track(store, a, b, source="daily")
    track(store, c, source="weekly")
    for url in (a, b, c):
        record(store, url, 0.0, "First", *text(url))
    for n in range(1, 5):
        record(store, a, n, "First", *text(a, two=f", edit {n}"))
    for n in range(1, 4):
        record(store, b, n, f"Headline {n}", *text(b))
    for n in range(1, 3):
        record(store, c, n, "First", *text(c, one=f", edit {n}"))
    return {"daily": [a, b], "weekly": [c]}


def test_every_feed_pages_back_through_all_its_entries(store: ArticleStore) -> None:
    newsroom(store)
    app = WebApp(Stores.of(store), "changes", 2)
    everything, pages = paged(app, "/feed.atom")
    assert len(everything) == len(set(everything)) == 9
    assert pages == 5
    daily, _ = paged(app, "/sources/daily/feed.atom")
    weekly, _ = paged(app, "/sources/weekly/feed.atom")
    assert len(daily) == 7
    assert len(weekly) == 2
    assert sorted(daily + weekly) == sorted(everything)
    assert [i for i in everything if i in daily] == daily  # the same order, newest first
    headlines, _ = paged(app, "/sources/daily/feed.atom?kind=headline")
    assert len(headlines) == 3
    assert paged(app, "/feed.atom?kind=headline")[0] == headlines


def test_an_article_feed_has_its_changes_only(store: ArticleStore) -> None:
    urls = newsroom(store)
    app = WebApp(Stores.of(store), "changes", 3)
    article = article_id(urls["daily"][0])
    ids, pages = paged(app, f"/articles/{article}/feed.atom")
    assert pages == 2
    assert ids == [f"tag:redline.invalid,2026:article/{article}/event/{n}" for n in (4, 3, 2, 1)]
    assert paged(app, f"/articles/{article}/feed.atom?kind=headline")[0] == []


def test_feed_entries_say_what_changed_and_link_to_the_diff(store: ArticleStore) -> None:
    urls = newsroom(store)
    app = WebApp(Stores.of(store), "changes", 10)
    entry = feedparser.parse(call(app, "/sources/daily/feed.atom?kind=headline")[2]).entries[0]
    article = article_id(urls["daily"][1])
    assert entry.title == "Headline changed: Headline 3"
    links = {link.rel: link.href for link in entry.links}
    assert links["alternate"] == urls["daily"][1]
    assert links["related"] == f"http://127.0.0.1:8080/articles/{article}?to=3"
    assert {tag.term for tag in entry.tags} == {"daily", "headline"}
    status, _, page = call(app, links["related"].removeprefix("http://127.0.0.1:8080"))
    assert status == "200 OK"
    assert b"<del>2</del><ins>3</ins>" in page


def test_each_feed_has_its_own_etag(store: ArticleStore) -> None:
    urls = newsroom(store)
    app = WebApp(Stores.of(store), "changes", 10)
    _, headers, _ = call(app, "/sources/daily/feed.atom")
    _, weekly_headers, _ = call(app, "/sources/weekly/feed.atom")
    record(store, urls["weekly"][0], 10.0, "First", *text(urls["weekly"][0], one=", edit 9"))
    etag = headers["ETag"]
    assert call(app, "/sources/daily/feed.atom", if_none_match=etag)[0] == "304 Not Modified"
    weekly_etag = weekly_headers["ETag"]
    assert call(app, "/sources/weekly/feed.atom", if_none_match=weekly_etag)[0] == "200 OK"
    # An archive page never changes: it may be cached.
    first = feedparser.parse(call(WebApp(Stores.of(store), "changes", 2), "/feed.atom")[2])
    older = next(link.href for link in first.feed.links if link.rel == "next")
    older_headers = call(
        WebApp(Stores.of(store), "changes", 2), older.removeprefix("http://127.0.0.1:8080")
    )[1]
    assert older_headers["Cache-Control"].startswith("max-age=")


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/feed.atom?kind=sideways", "400 Bad Request", b"kinds are"),
        ("/feed.atom?before=yesterday", "400 Bad Request", b"not an event id"),
        ("/sources/nowhere/feed.atom", "404 Not Found", b"no source named"),
        ("/articles/nothing/feed.atom", "404 Not Found", b"no article with id"),
        ("/sources/nowhere", "404 Not Found", b"no source named"),
        ("/articles/nothing.json", "404 Not Found", b'"error"'),
    ],
)
def test_bad_requests_say_what_is_wrong(
    store: ArticleStore, path: str, status: str, says: bytes
) -> None:
    newsroom(store)
    got, _, body = call(WebApp(Stores.of(store), "changes", 10), path)
    assert got == status
    assert says in body


def test_events_recorded_before_the_index_streams_are_indexed_once(
    store: ArticleStore, redis_conn: redis.Redis, keys: Keys
) -> None:
    urls = newsroom(store)
    # As after an upgrade: the events are there, their index streams are not.
    redis_conn.delete(keys.events_indexed, *redis_conn.keys(f"{keys.events}:*"))
    app = WebApp(Stores.of(store), "changes", 50)
    assert paged(app, "/sources/daily/feed.atom")[0] == []
    record(
        store, urls["daily"][0], 20.0, "First", *text(urls["daily"][0], two=", late")
    )  # not indexed yet
    assert store.index_events() == 10
    assert store.index_events() == 0  # done once and for all
    daily = paged(app, "/sources/daily/feed.atom")[0]
    assert len(daily) == 8
    record(
        store, urls["daily"][0], 21.0, "First", *text(urls["daily"][0], two=", later")
    )  # indexed at once
    assert len(paged(app, "/sources/daily/feed.atom")[0]) == 9
    daily = paged(app, "/sources/daily/feed.atom")[0]
    assert [i for i in paged(app, "/feed.atom")[0] if i in daily] == daily


def test_a_feed_page_reads_only_the_events_it_shows(store: ArticleStore, redis_url: str) -> None:
    urls = newsroom(store)
    for n in range(300):
        record(
            store, urls["weekly"][0], 100.0 + n, "First", *text(urls["weekly"][0], f", edit {n}")
        )
    app = WebApp(Stores.of(store), "changes", 5)
    commands = monitored(redis_url, lambda: call(app, "/sources/weekly/feed.atom?kind=body"))
    reads = [c for c in commands if c[0] in ("XRANGE", "XREVRANGE", "LRANGE", "SCAN", "KEYS")]
    assert reads, commands
    for command in reads:
        assert command[0] in ("XRANGE", "XREVRANGE"), command
        single = command[0] == "XRANGE" and command[2] == command[3]
        assert single or command[-2:] in (["COUNT", "1"], ["COUNT", "6"]), command
    assert len(reads) <= 1 + 1 + 6  # newest id, one page (+1 to know of more), its events


def monitored(redis_url: str, action: Callable[[], object]) -> list[list[str]]:
    """The commands Redis received while ``action`` ran, each as its words."""
    client = redis.Redis.from_url(redis_url)
    marker = "redline-test-monitor-end"
    seen: list[list[str]] = []
    # redis-py leaves Redis.monitor() (and Monitor) unannotated.
    with client.monitor() as monitor:  # type: ignore[no-untyped-call]
        done = threading.Event()

        def listen() -> None:
            for command in monitor.listen():
                words = shlex.split(command["command"])
                if words == ["ECHO", marker]:
                    break
                seen.append([words[0].upper(), *words[1:]])
            done.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        action()
        client.echo(marker)
        assert done.wait(10)
    client.close()
    return seen


def test_the_index_lists_changes_and_sources_as_html_and_json(store: ArticleStore) -> None:
    newsroom(store)
    app = WebApp(Stores.of(store), "changes", 10)
    status, headers, page = call(app, "/")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/html")
    assert b'<meta name="viewport"' in page
    assert b'<a href="/sources/daily">daily</a> <span class="muted">2 articles, 7 changes' in page
    for view in (call(app, "/index.json")[2], call(app, "/", accept="application/json")[2]):
        data = json.loads(view)
        assert [s["name"] for s in data["sources"]] == ["daily", "weekly"]
        assert data["changes"][0]["title"] == "1 paragraph edited: First"
        assert len(data["changes"]) == 9
    # Each change: its time in full, what changed in the feed's words, links to the
    # comparison and to the original.
    first = json.loads(call(app, "/index.json")[2])["changes"][0]
    row = page.decode().split("<tr>")[2]
    assert "1 Jan 1970 00:00 UTC" in row
    assert f"<td>{first['summary']}</td>" in row
    assert first["summary"].startswith("1 paragraph edited; ")
    assert f'href="/articles/{first["article_id"]}?to={first["version"]}"' in row
    assert f'href="{first["url"]}" rel="noreferrer nofollow">the original article' in row


def test_a_source_page_lists_its_articles_and_their_states(store: ArticleStore) -> None:
    urls = newsroom(store)
    app = WebApp(Stores.of(store), "changes", 10)
    page = call(app, "/sources/daily")[2].decode()
    assert "Headline 3" in page
    assert "active: last changed" in page
    data = json.loads(call(app, "/sources/daily.json")[2])
    assert data["total"] == 2
    assert {a["url"] for a in data["articles"]} == set(urls["daily"])
    assert {a["versions"] for a in data["articles"]} == {4, 5}
    # what was learned of each site's template, as `redline status` says it
    learned = dict(data["templates"])
    assert set(learned) == {"daily.example"}
    assert learned["daily.example"]["blocks"] > 0
    assert "blocks of text seen are the site&#x27;s, learned from" in page


def test_an_article_page_shows_its_history_and_a_side_by_side_diff(store: ArticleStore) -> None:
    url = "https://daily.example/story"
    track(store, url, source="daily")
    hour = 3600.0
    record(store, url, 0.0, "Storm nears", "Rain is coming.", "Roads may close.", "Stay in.")
    record(store, url, 4 * hour, "Storm hits", "Rain is here now.", "Stay in.", "Roads may close.")
    app = WebApp(Stores.of(store), "changes", 10)
    article = article_id(url)
    page = call(app, f"/articles/{article}")[2].decode()
    assert "<h1>Storm hits</h1>" in page
    assert "First seen 1 Jan 1970 00:00 UTC" in page
    # Each column says which version it is and when it was recorded.
    assert "<strong>Version 0</strong> — 1 Jan 1970 00:00 UTC, first seen" in page
    assert "<strong>Version 1</strong> — 1 Jan 1970 04:00 UTC, 4 hours later" in page
    assert "Changed 1 time." in page
    assert f'href="/articles/{article}/feed.atom"' in page
    assert "<strong>Headline:</strong> Storm <del>nears</del><ins>hits</ins>" in page
    # Old text on the left, new on the right, and both in one column for a phone.
    assert '<div class="old edited">Rain is <del>coming</del>.</div>' in page
    assert '<div class="new edited">Rain is <ins>here now</ins>.</div>' in page
    assert '<div class="inline edited">Rain is <del>coming</del><ins>here now</ins>.</div>' in page
    assert "moved from paragraph 3</div>Stay in." in page
    assert page.index("Version 0 → version 1") < page.index("<h2>History</h2>")
    assert f'<a href="{url}" rel="noreferrer nofollow">' in page
    data = json.loads(call(app, f"/articles/{article}.json")[2])
    assert data["compare"]["old"] == 0
    assert data["compare"]["new"] == 1
    kinds = [row["kind"] for row in data["compare"]["sides"]["rows"]]
    assert kinds.count("moved") == 1
    assert "edited" in kinds
    assert [v["headline"] for v in data["headlines"]] == ["Storm nears", "Storm hits"]
    same = call(app, f"/articles/{article}?from=1&to=1")[2].decode()
    assert "<del>" not in same
    assert "3 unchanged paragraphs</summary>" in same
    assert call(app, f"/articles/{article}?to=7")[0] == "400 Bad Request"


def test_a_comparison_folds_unchanged_paragraphs_and_links_the_next_changes(
    store: ArticleStore,
) -> None:
    url = "https://daily.example/long"
    track(store, url, source="daily")
    body = [f"Paragraph {n} says something about the storm." for n in range(1, 9)]
    record(store, url, 0.0, "Storm nears", *body)
    record(store, url, 60.0, "Storm hits", *body)
    record(store, url, 120.0, "Storm hits", *body[:4], "A new paragraph.", *body[4:])
    app = WebApp(Stores.of(store), "changes", 10)
    article = article_id(url)
    headline_only = call(app, f"/articles/{article}?to=1")[2].decode()
    # A headline change does not print the body twice: it is one folded run.
    assert headline_only.count("8 unchanged paragraphs</summary>") == 1
    assert headline_only.count("Paragraph 5 says") == 1
    assert f'href="/articles/{article}?from=1&amp;to=2">the change after' in headline_only
    assert "the change before" not in headline_only
    added = call(app, f"/articles/{article}")[2].decode()
    assert added.count("4 unchanged paragraphs</summary>") == 2
    assert f'href="/articles/{article}?from=0&amp;to=1">← the change before' in added
    assert "the change after" not in added


def test_page_text_is_escaped_in_every_view(store: ArticleStore) -> None:
    url = "https://daily.example/hostile"
    track(store, url, source="daily")
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"> ]]>'
    record(store, url, 0.0, "Calm", "Plain words here.")
    record(store, url, 1.0, f"Calm {hostile}", f"Plain words {hostile}")
    app = WebApp(Stores.of(store), "changes", 10)
    for path in ("/", "/sources/daily", f"/articles/{article_id(url)}"):
        status, headers, page = call(app, path)
        assert status == "200 OK"
        assert b"<script>" not in page, path
        assert b"<img" not in page, path
        assert b"&lt;script&gt;" in page, path
        assert "script-src" not in headers["Content-Security-Policy"]
    feed = call(app, "/feed.atom")[2]
    assert atom_problems(feed) == []
    content = feedparser.parse(feed).entries[0].content[0].value
    assert "<script>" not in content
    assert "&lt;script&gt;" in content


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/feed.atom", "/sources/daily", "/nothing/here"])
def test_the_web_server_is_read_only_and_every_answer_has_safe_headers(
    store: ArticleStore, method: str, path: str
) -> None:
    newsroom(store)
    before = store.redis.dbsize()
    status, headers, _ = call(WebApp(Stores.of(store), "changes", 10), path, method=method)
    if method in ("GET", "HEAD"):
        assert status.startswith("200" if path != "/nothing/here" else "404")
    else:
        assert status.startswith("405")
        assert headers["Allow"] == "GET, HEAD"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert store.redis.dbsize() == before  # nothing written


def test_metrics_are_per_source_in_the_prometheus_text_format(store: ArticleStore) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from crawler.domain.models import ListingFetch
    from crawler.extraction.discovery import Link, Listing
    from crawler.store.endpoints import EndpointStore, EndpointTarget, endpoint_id

    app = WebApp(Stores.of(store), "changes", 10)
    track(store, URL, "https://news.example/2")
    record(store, URL, 1.0, "Headline", "The vote was 5 to 4.")
    record(store, URL, 2.0, "Headline", "The vote was 6 to 4.")
    feed = "https://other.example/feed.xml"
    endpoints = EndpointStore(store)
    endpoints.sync([EndpointTarget(feed, "other", 600.0)], 3.0)
    found = Listing("rss", (Link("https://other.example/a"), Link("https://other.example/b")))
    endpoints.record(
        ListingFetch(
            endpoint_id=endpoint_id(feed), url=feed, final_url=feed, fetched_at=4.0, status=200
        ),
        found,
        "",
        4.0,
    )
    store.redis.zadd(store.keys.schedule, {article_id(URL): 0.0})  # overdue since 1970

    status, headers, body = call(app, "/metrics")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    assert value("redline_articles", source="example", status="active") == 1
    assert value("redline_articles", source="example", status="new") == 1
    assert value("redline_articles", source="other", status="new") == 2
    assert value("redline_discovered_articles", source="other") == 2
    assert value("redline_checks_total", source="example") == 4  # each version is confirmed
    assert value("redline_changes_total", source="example") == 1
    assert value("redline_errors_total", source="example") == 0
    assert value("redline_discovery_endpoints", source="other", status="active") == 1
    assert value("redline_last_discovery_timestamp_seconds", source="other") == 4.0
    assert value("redline_due_backlog", source="example") == 2  # overdue and new
    assert value("redline_due_lag_seconds", source="example") > 1_700_000_000
    assert value("redline_due_backlog", source="other") == 3  # two articles, the next read
    assert value("redline_source_failing", source="other") == 0


def test_the_health_feed_has_an_entry_when_a_source_fails_and_when_it_recovers(
    store: ArticleStore,
) -> None:
    from crawler.store.health import HealthLog

    app = WebApp(Stores.of(store), "changes", 10)
    log = HealthLog(store.redis, store.keys)
    assert log.note("tribune", ["discovery failing for 7 hours: <every> endpoint fails"], 10.0)
    assert not log.note("tribune", ["discovery failing for 7 hours: <every> endpoint fails"], 20.0)
    assert log.note("tribune", [], 30.0)
    status, headers, body = call(app, "/health.atom")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("application/atom+xml")
    assert atom_problems(body) == []
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert [e.title for e in parsed.entries] == ["tribune has recovered", "tribune is failing"]
    assert parsed.entries[1].link == "http://127.0.0.1:8080/sources/tribune"
    assert "&lt;every&gt; endpoint fails" in parsed.entries[1].content[0].value


def test_a_source_page_shows_its_discovery_and_its_problems(store: ArticleStore) -> None:
    from crawler.domain.models import ListingFetch
    from crawler.store.endpoints import EndpointStore, EndpointTarget, endpoint_id
    from crawler.store.health import HealthLog

    app = WebApp(Stores.of(store), "changes", 10)
    feed = "https://tribune.example/feed.xml"
    endpoints = EndpointStore(store)
    endpoints.sync([EndpointTarget(feed, "tribune", 600.0)], 1.0)
    failed = ListingFetch(
        endpoint_id=endpoint_id(feed), url=feed, final_url=feed, fetched_at=2.0, status=500
    )
    endpoints.record(failed, None, "HTTP 500 <oops>", 2.0)
    HealthLog(store.redis, store.keys).note("tribune", ["discovery <failing>"], 3.0)

    status, _, body = call(app, "/sources/tribune")
    assert status == "200 OK", "a source with endpoints and no article yet has a page"
    page = body.decode()
    assert "<h2>Discovery</h2>" in page
    assert feed in page
    assert "HTTP 500 &lt;oops&gt;" in page
    assert "Failing: discovery &lt;failing&gt;" in page
    view = json.loads(call(app, "/sources/tribune.json")[2])
    assert view["problems"] == ["discovery <failing>"]
    (summary,) = view["endpoints"]
    assert (summary["url"], summary["status"], summary["last_error"]) == (
        feed,
        "active",
        "HTTP 500 <oops>",
    )
