"""Discovery endpoints: the clock keeps them as the settings list them, and a worker's read
tracks every new article they list, once, with when it was seen and published. Against a
real Redis; the end-to-end tests run a real clock and worker on local feeds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.domain.codec import as_text
from crawler.domain.identity import article_id
from crawler.domain.models import ListingFetch, Status
from crawler.extraction.discovery import Link, Listing
from crawler.store.articles import TrackTarget
from crawler.store.endpoints import (
    FAILING_AFTER,
    MAX_CHILD_SITEMAPS,
    EndpointStore,
    EndpointTarget,
    endpoint_id,
)
from tests.conftest import wait_for
from tests.sites import NewsSite, Story, sample_story
from tests.test_discovery import LISTINGS
from tests.workers import Harness

if TYPE_CHECKING:
    from pathlib import Path

    from crawler.store.articles import ArticleStore
    from crawler.store.keys import Keys
    from crawler.store.queue import DueQueue

FEED = "https://news.example/feed.xml"
NOW = 1_800_000_000.0


def endpoints_of(store: ArticleStore) -> EndpointStore:
    return EndpointStore(store)


def read_of(url: str, at: float, claimed: float, **changes: Any) -> ListingFetch:
    """A read of the endpoint at ``url``: a 200 unless ``changes`` say otherwise."""
    return replace(
        ListingFetch(
            endpoint_id=endpoint_id(url),
            url=url,
            final_url=url,
            fetched_at=at,
            status=200,
            claimed_at=claimed,
        ),
        **changes,
    )


def test_a_configured_endpoint_is_due_at_once_and_keeps_its_settings(
    store: ArticleStore, queue: DueQueue
) -> None:
    endpoints = endpoints_of(store)
    assert endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW) == (1, 0)
    state = endpoints.load(endpoint_id(FEED))
    assert state is not None
    assert (state.url, state.source, state.interval, state.site) == (
        FEED,
        "news",
        300.0,
        "news.example",
    )
    assert state.status is Status.ACTIVE
    assert queue.promote(NOW) == 1
    (claim,) = queue.claim(NOW, 10, 60.0, 2)
    assert (claim.id, claim.url, claim.source) == (endpoint_id(FEED), FEED, "news")
    assert endpoints.sync([EndpointTarget(FEED, "news", 600.0, "/a/")], NOW + 1) == (0, 0)
    changed = endpoints.load(endpoint_id(FEED))
    assert changed is not None
    assert (changed.interval, changed.link_pattern) == (600.0, "/a/")


def test_new_articles_are_tracked_once_with_when_they_were_seen_and_published(
    store: ArticleStore, keys: Keys
) -> None:
    endpoints = endpoints_of(store)
    endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW)
    first = Listing(
        "rss",
        (
            Link("https://news.example/a/1?utm_source=rss", NOW - 3600),
            Link("https://news.example/a/2"),
            Link("ftp://news.example/a/3"),
        ),
    )
    read = endpoints.record(read_of(FEED, NOW + 5, NOW + 1, etag='"1"'), first, "", NOW + 5)
    assert read is not None
    ids = [article_id("https://news.example/a/1"), article_id("https://news.example/a/2")]
    assert read.found == tuple(ids)
    article = store.load(ids[0])
    assert article is not None
    assert (article.url, article.source, article.status) == (
        "https://news.example/a/1",
        "news",
        Status.NEW,
    )
    assert (article.created, article.published, article.via) == (
        NOW + 5,
        NOW - 3600,
        endpoint_id(FEED),
    )
    assert store.redis.zscore(keys.schedule, ids[0]) == NOW + 5
    assert {as_text(m) for m in store.redis.smembers(keys.discovered)} == set(ids)
    state = read.state
    assert (state.kind, state.listed, state.found, state.checks, state.etag) == (
        "rss",
        3,
        2,
        1,
        '"1"',
    )
    assert state.next_check == NOW + 5 + 300.0
    assert store.redis.zscore(keys.schedule, endpoint_id(FEED)) == NOW + 5 + 300.0

    again = Listing("rss", (Link("https://news.example/a/2"), Link("https://news.example/a/4")))
    second = endpoints.record(read_of(FEED, NOW + 400, NOW + 399), again, "", NOW + 400)
    assert second is not None
    assert second.found == (article_id("https://news.example/a/4"),)
    assert (second.state.found, second.state.etag) == (3, '"1"')
    known = store.load(ids[1])
    assert known is not None
    assert known.created == NOW + 5

    stale = endpoints.record(read_of(FEED, NOW + 401, NOW + 2), first, "", NOW + 401)
    assert stale is not None
    assert stale.stale
    assert stale.state.checks == 2


def test_a_failing_endpoint_counts_its_errors_and_recovers(store: ArticleStore) -> None:
    endpoints = endpoints_of(store)
    endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW)
    for n in range(FAILING_AFTER):
        read = endpoints.record(
            read_of(FEED, NOW + n * 10, NOW + n * 10, status=503, retry_after=900.0),
            None,
            "HTTP 503",
            NOW + n * 10,
        )
        assert read is not None
        assert read.state.errors == n + 1
    assert read is not None
    assert read.state.status is Status.FAILING
    assert read.state.last_error == "HTTP 503"
    assert read.state.next_check == NOW + 20 + 900.0, "Retry-After is honoured"
    fine = endpoints.record(read_of(FEED, NOW + 999, NOW + 999), Listing("rss", ()), "", NOW + 999)
    assert fine is not None
    assert (fine.state.status, fine.state.errors, fine.state.last_success) == (
        Status.ACTIVE,
        0,
        NOW + 999,
    )


def test_a_sitemap_index_makes_its_recent_sitemaps_endpoints_of_their_own(
    store: ArticleStore,
) -> None:
    endpoints = endpoints_of(store)
    index = "https://news.example/sitemap.xml"
    endpoints.sync([EndpointTarget(index, "news", 600.0)], NOW)
    recent = [Link(f"https://news.example/sitemaps/{n}.xml", NOW - n * 3600) for n in range(10)]
    sitemaps = (*recent, Link("https://news.example/sitemaps/2019.xml", NOW - 86400 * 900))
    endpoints.record(read_of(index, NOW, NOW), Listing("sitemap index", (), sitemaps), "", NOW)
    children = [s for s in endpoints.all() if s.parent]
    assert sorted(s.url for s in children) == sorted(
        f"https://news.example/sitemaps/{n}.xml" for n in range(MAX_CHILD_SITEMAPS)
    )
    assert all((s.source, s.interval, s.next_check) == ("news", 600.0, NOW) for s in children)

    # Leaving the settings, the index takes its sitemaps with it; articles stay.
    child = children[0]
    endpoints.record(
        read_of(child.url, NOW + 1, NOW + 1),
        Listing("sitemap", (Link("https://news.example/a/9"),)),
        "",
        NOW + 1,
    )
    assert endpoints.sync([], NOW + 2) == (0, 1 + MAX_CHILD_SITEMAPS)
    assert endpoints.all() == []
    assert store.load(article_id("https://news.example/a/9")) is not None


def test_reads_of_endpoints_and_checks_of_articles_share_each_sites_limit(
    store: ArticleStore, queue: DueQueue
) -> None:
    store.sync_tracked([TrackTarget("a1", "https://news.example/a/1", "news")], NOW)
    endpoints_of(store).sync([EndpointTarget(FEED, "news", 300.0)], NOW)
    queue.promote(NOW)
    (first,) = queue.claim(NOW, 10, 60.0, per_site=1)
    assert queue.claim(NOW, 10, 60.0, per_site=1) == [], "the site has a check in flight"
    queue.release([first.id], NOW)
    assert len(queue.claim(NOW, 10, 60.0, per_site=2)) == 2


def test_the_urls_file_does_not_remove_discovered_articles_and_none_is_dropped(
    store: ArticleStore, keys: Keys
) -> None:
    endpoints = endpoints_of(store)
    endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW)
    endpoints.record(
        read_of(FEED, NOW, NOW), Listing("rss", (Link("https://news.example/a/1"),)), "", NOW
    )
    found = article_id("https://news.example/a/1")
    listed = TrackTarget(article_id("https://news.example/b"), "https://news.example/b", "news")
    store.redis.zrem(keys.schedule, found)  # lost, somehow
    report = store.sync_tracked([listed], NOW + 10)
    assert (report.added, report.untracked, report.repaired) == (1, 0, 1)
    state = store.load(found)
    assert state is not None
    assert state.status is Status.NEW
    assert store.redis.zscore(keys.schedule, found) == NOW
    store.redis.zrem(keys.schedule, endpoint_id(FEED))
    endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW + 20)
    assert store.redis.zscore(keys.schedule, endpoint_id(FEED)) == NOW + 300.0


# -- a real clock and worker on local feeds ---------------------------------------------------


def rss(*links: str) -> bytes:
    """An RSS 2.0 feed of ``links``, published an hour apart from 2026-11-22 09:00 UTC back."""
    items = "".join(
        f"<item><title>Story {n}</title><link>{link}</link>"
        f"<pubDate>Sun, 22 Nov 2026 0{9 - n}:00:00 GMT</pubDate></item>"
        for n, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def document(body: bytes, content_type: str, etag: str = "") -> Story:
    return Story("", "", [], body=body, content_type=content_type, etag=etag)


def test_a_clock_and_a_worker_track_what_feeds_sitemaps_and_section_pages_list(
    redis_url: str, site: NewsSite, tmp_path: Path
) -> None:
    """A source lists an RSS feed (with an ETag), a news sitemap, a section page, an Atom
    feed and a broken feed. Every article they list is tracked once (the feed and the
    sitemap share one, under two spellings) and fetched; the broken feed is that
    endpoint's error. A new item in the feed is tracked on the next read, and a read with
    nothing new is a 304."""
    stories = {f"/world/{n}": site.add(f"/world/{n}", sample_story(f"quay {n}")) for n in range(5)}
    first = [stories["/world/0"] + "?utm_source=rss", stories["/world/1"]]
    site.add("/feed.xml", document(rss(*first), "application/rss+xml", '"v1"'))
    sitemap = (
        (LISTINGS / "news-sitemap.xml")
        .read_text()
        .replace(
            "https://www.tribune.example/world/2026/11/22/summit-ends-without-deal.html",
            stories["/world/0"],
        )
        .replace(
            "https://www.tribune.example/sport/2026/11/22/cup-final-report.html",
            stories["/world/2"],
        )
        .replace("https://www.tribune.example/world/2026/11/21/no-dates.html", stories["/world/3"])
    )
    site.add("/news-sitemap.xml", document(sitemap.encode(), "application/xml"))
    section = '<html><body><a href="/world/3">3</a><a href="/about">About</a></body></html>'
    site.add("/world/", document(section.encode(), "text/html"))
    site.add("/broken.xml", document(b"<rss><channel><item></channel>", "application/xml"))
    atom = (
        (LISTINGS / "atom.xml")
        .read_text()
        .replace("https://ledger.example/politics/2026/11/22/minister-resigns", stories["/world/2"])
    )
    site.add("/atom.xml", document(atom.encode(), "application/atom+xml"))
    config = tmp_path / "redline.toml"
    endpoints_listed = ["/feed.xml", "/news-sitemap.xml", "/world/", "/broken.xml", "/atom.xml"]
    config.write_text(
        "[sources.local]\n"
        f"discover = {[site.url(p) for p in endpoints_listed]!r}\n"
        "link_pattern = '/world/\\d+$'\n"
        'discover_interval = "1h"\n'
    )
    harness = Harness(redis_url, tmp_path)
    try:
        harness.start_worker()
        harness.start_clock([], REDLINE_CONFIG=str(config), REDLINE_CLOCK_TICK="100ms")
        endpoints = EndpointStore(harness.store)
        ids = [article_id(stories[f"/world/{n}"]) for n in range(4)]

        def all_read() -> bool:
            read = [e for e in endpoints.all() if e.checks]
            fetched = [harness.store.load(i) for i in ids]
            return len(read) == 5 and all(s and s.versions == 1 for s in fetched)

        wait_for(all_read, 60, "every endpoint read and every listed article fetched")
        by_path = {e.url.removeprefix(site.base): e for e in endpoints.all()}
        assert {p: (e.kind, e.listed, e.found) for p, e in by_path.items() if not e.errors} == {
            "/feed.xml": ("rss", 2, by_path["/feed.xml"].found),
            "/news-sitemap.xml": ("sitemap", 3, by_path["/news-sitemap.xml"].found),
            "/world/": ("section page", 1, by_path["/world/"].found),
            "/atom.xml": ("atom", 2, by_path["/atom.xml"].found),
        }
        # /world/0-3, and the Atom feed's other entry (a relative link, resolved)
        assert sum(e.found for e in by_path.values()) == 5, "each article found once"
        assert harness.store.load(article_id(site.url("/2026/11/21/budget-vote-delayed")))
        broken = by_path["/broken.xml"]
        assert (broken.errors, broken.kind) == (1, "")
        assert broken.last_error.startswith("cannot read the listing: not well-formed XML")
        assert harness.store.load(article_id(site.url("/about"))) is None
        article = harness.store.load(ids[1])
        assert article is not None
        assert (article.source, article.via) == ("local", endpoint_id(site.url("/feed.xml")))
        assert article.published == datetime(2026, 11, 22, 8, tzinfo=UTC).timestamp()

        # The feed gains an item: read again, the new article is tracked and fetched.
        site.edit("/feed.xml", body=rss(stories["/world/4"], *first), etag='"v2"')
        feed = endpoint_id(site.url("/feed.xml"))
        harness.store.redis.zadd(harness.keys.schedule, {feed: 0})
        wait_for(
            lambda: (s := harness.store.load(article_id(stories["/world/4"]))) and s.versions,
            60,
            "the new item to be tracked and fetched",
        )
        harness.store.redis.zadd(harness.keys.schedule, {feed: 0})
        wait_for(
            lambda: (e := endpoints.load(feed)) and e.checks == 3, 60, "a read with nothing new"
        )
        read = endpoints.load(feed)
        assert read is not None
        assert site.not_modified["/feed.xml"] == 1, "a conditional GET, answered 304"
        assert (read.found, read.listed, read.etag, read.errors) == (
            by_path["/feed.xml"].found + 1,
            3,
            '"v2"',
            0,
        )
        assert site.count("/feed.xml") == 3
        assert site.count("/world/0") == 1, "one article, though listed twice"
    finally:
        print(harness.logs())
        assert harness.stop() == [0, 0]


def test_articles_published_before_the_stability_window_are_not_tracked(
    store: ArticleStore,
) -> None:
    """A full sitemap lists the archive: those articles would be stable at once."""
    endpoints = endpoints_of(store)
    endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW)
    links = (
        Link("https://news.example/old", NOW - 90 * 86400),
        Link("https://news.example/recent", NOW - 86400),
        Link("https://news.example/undated"),
    )
    read = endpoints.record(
        read_of(FEED, NOW, NOW), Listing("sitemap", links), "", NOW, since=NOW - 40 * 86400
    )
    assert read is not None
    assert read.found == (
        article_id("https://news.example/recent"),
        article_id("https://news.example/undated"),
    )
    assert (read.state.listed, read.state.found) == (3, 2)
