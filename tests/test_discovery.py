"""Reading article URLs from real-world-shaped feeds, sitemaps and section pages
(``tests/listings/``), and refusing broken and hostile ones with a reason."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extraction.discovery import MAX_DOCUMENT, DiscoveryError, Link, read_listing

LISTINGS = Path(__file__).parent / "listings"
ARTICLE = re.compile(r"/20\d\d/\d\d/\d\d/[^/]+\.html$")


def listing(name: str, url: str, pattern: re.Pattern[str] | None = None) -> object:
    return read_listing((LISTINGS / name).read_bytes(), url, pattern)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_rss_2_items_give_their_links_or_permalink_guids_and_publication_times() -> None:
    found = read_listing(
        (LISTINGS / "rss2.xml").read_bytes(), "https://www.courier.example/uk-news/rss", None
    )
    assert found.kind == "rss"
    assert found.articles == (
        Link(
            "https://www.courier.example/uk-news/2026/nov/22/harbour-wall-plan-approved"
            "?utm_source=rss&utm_medium=feed",
            at("2026-11-22T08:30:00"),
        ),
        Link(
            "https://www.courier.example/uk-news/2026/nov/22/bridge-closure-what-you-need-to-know",
            at("2026-11-22T07:05:00"),
        ),
        Link("https://www.courier.example/uk-news/live/2026/nov/22/storm-updates", None),
    )
    assert found.sitemaps == ()


def test_atom_entries_give_their_alternate_links_and_published_or_updated_times() -> None:
    found = read_listing(
        (LISTINGS / "atom.xml").read_bytes(), "https://ledger.example/politics/atom.xml", None
    )
    assert found.kind == "atom"
    assert found.articles == (
        Link(
            "https://ledger.example/politics/2026/11/22/minister-resigns",
            at("2026-11-22T08:45:00"),
        ),
        Link(
            "https://ledger.example/politics/2026/11/21/budget-vote-delayed",
            at("2026-11-21T17:30:00"),
        ),
    )


def test_a_news_sitemap_gives_publication_dates_and_a_plain_one_lastmod() -> None:
    found = read_listing(
        (LISTINGS / "news-sitemap.xml").read_bytes(), "https://www.tribune.example/news.xml", None
    )
    assert found.kind == "sitemap"
    assert found.articles == (
        Link(
            "https://www.tribune.example/world/2026/11/22/summit-ends-without-deal.html",
            at("2026-11-22T05:00:00"),
        ),
        Link(
            "https://www.tribune.example/sport/2026/11/22/cup-final-report.html",
            at("2026-11-22T01:10:00"),
        ),
        Link("https://www.tribune.example/world/2026/11/21/no-dates.html", None),
    )


def test_a_sitemap_index_lists_sitemaps_not_articles_and_may_be_gzipped() -> None:
    body = gzip.compress((LISTINGS / "sitemap-index.xml").read_bytes())
    found = read_listing(body, "https://www.tribune.example/sitemap.xml.gz", None)
    assert found.kind == "sitemap index"
    assert found.articles == ()
    assert [link.url for link in found.sitemaps] == [
        "https://www.tribune.example/sitemaps/news.xml",
        "https://www.tribune.example/sitemaps/2026-11.xml.gz",
        "https://www.tribune.example/sitemaps/2019-01.xml.gz",
    ]
    assert found.sitemaps[0].published == at("2026-11-22T09:00:00")


def test_a_section_page_gives_the_links_that_match_the_pattern_resolved_by_its_base() -> None:
    body = (LISTINGS / "section.html").read_bytes()
    found = read_listing(body, "https://www.tribune.example/world/", ARTICLE)
    assert found.kind == "section page"
    assert [link.url for link in found.articles] == [
        "https://www.tribune.example/world/2026/11/22/summit-ends-without-deal.html",
        "https://www.tribune.example/world/2026/11/21/elections-called.html",
        "https://www.tribune.example/world/live/2026/11/22/storm.html",
        "https://www.tribune.example/about/2020/01/01/about-us.html",
    ]
    only_world = re.compile(r"^https://www\.tribune\.example/world/\d{4}/")
    found = read_listing(body + b"", "https://www.tribune.example/world/", only_world)
    assert [link.url for link in found.articles] == [
        "https://www.tribune.example/world/2026/11/22/summit-ends-without-deal.html",
        "https://www.tribune.example/world/2026/11/22/floods-spread.html?ref=section",
        "https://www.tribune.example/world/2026/11/22/floods-spread.html?ref=section#comments",
        "https://www.tribune.example/world/2026/11/21/elections-called.html",
    ]


@pytest.mark.parametrize(
    ("body", "pattern", "reason"),
    [
        ((LISTINGS / "malformed.xml").read_bytes(), None, "not well-formed XML: "),
        (b"", None, "the document is empty"),
        (b"  \n ", None, "the document is empty"),
        (b"<?xml version='1.0'?><html><body/></html>", None, "the document is <html>"),
        (b"<!DOCTYPE html><html><a href='/x/1'>x</a></html>", None, "give the source a link_"),
        (b"\x1f\x8b\x08\x00broken", None, "broken gzip data"),
        (b'{"items": ["https://x.example/1"]}', None, "not a feed or a sitemap"),
    ],
    ids=[
        "unclosed-item",
        "empty",
        "blank",
        "other-xml",
        "html-without-pattern",
        "bad-gzip",
        "json",
    ],
)
def test_a_document_that_cannot_be_read_is_an_error_that_says_why(
    body: bytes, pattern: re.Pattern[str] | None, reason: str
) -> None:
    with pytest.raises(DiscoveryError, match=re.escape(reason)):
        read_listing(body, "https://broken.example/feed", pattern)


def test_an_entity_bomb_is_refused_and_external_entities_are_not_fetched() -> None:
    with pytest.raises(DiscoveryError, match=r"not well-formed XML: .*amplification"):
        read_listing((LISTINGS / "entity-bomb.xml").read_bytes(), "https://bomb.example/feed", None)
    found = read_listing((LISTINGS / "xxe.xml").read_bytes(), "https://xxe.example/feed", None)
    assert found.articles == (Link("https://xxe.example/a/1/"),)


def test_a_gzip_bomb_is_refused_past_the_size_limit() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_DOCUMENT + 10))
    assert len(bomb) < MAX_DOCUMENT // 100
    with pytest.raises(DiscoveryError, match="expands past 50 MB"):
        read_listing(bomb, "https://bomb.example/sitemap.xml.gz", None)
