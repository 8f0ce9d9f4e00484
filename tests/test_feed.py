"""The Atom feed: valid, parseable by feedparser, stable ids, nothing from a page executable."""

from __future__ import annotations

import feedparser
import lxml.etree

from crawler.domain.diff import NO_DIFF, diff_articles
from crawler.domain.models import Article, ChangeEvent
from crawler.store.articles import StoredEvent
from crawler.web.feed import FeedPage, entry_id, render_feed

ATOM = "{http://www.w3.org/2005/Atom}"


def event(version: int, old: str, new: str, headline: str = "Storm hits coast") -> StoredEvent:
    diff = diff_articles(Article(headline, "", (old,)), Article(headline, "", (new,)))
    change = ChangeEvent(
        "abc123",
        "https://news.example/storm",
        "example",
        version,
        1_700_000_000.0 + version * 60,
        headline,
        diff,
        kinds=tuple(diff.kinds),
        sequence=version,
    )
    return StoredEvent(f"{1_700_000_000_000 + version}-0", change)


PAGE = FeedPage(
    feed_id="all",
    title="changes",
    self_url="http://127.0.0.1/feed.atom",
    first_url="http://127.0.0.1/feed.atom",
    next_url="",
    site_url="http://127.0.0.1/",
    base_url="http://127.0.0.1",
)


def render(*events: StoredEvent) -> bytes:
    return render_feed(list(events), PAGE, now=1_700_000_000.0)


def test_the_feed_parses_cleanly_with_one_entry_per_change_newest_first() -> None:
    xml = render(
        event(2, "The toll rose to 12.", "The toll rose to 14."),
        event(1, "The toll rose to 10.", "The toll rose to 12."),
    )
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [
        "tag:redline.invalid,2026:article/abc123/event/2",
        "tag:redline.invalid,2026:article/abc123/event/1",
    ]
    first = parsed.entries[0]
    # The title and the summary tell the change in the same words.
    assert first.title == "1 paragraph edited: Storm hits coast"
    assert first.summary == "1 paragraph edited; 1 word added, 1 removed"
    assert first.link == "https://news.example/storm"
    assert first.updated == "2023-11-14T22:15:20+00:00"
    content = first.content[0].value
    assert "<del>12</del>" in content
    assert "<ins>14</ins>" in content


def test_the_feed_has_the_elements_rfc_4287_requires() -> None:
    root = lxml.etree.fromstring(render(event(1, "a b c", "a b d")))
    for name in ("id", "title", "updated", "author"):
        assert root.find(ATOM + name) is not None, name
    entry = root.find(ATOM + "entry")
    assert entry is not None
    for name in ("id", "title", "updated", "content", "link"):
        assert entry.find(ATOM + name) is not None, name


def test_entry_ids_depend_only_on_article_and_event_number() -> None:
    assert entry_id(event(3, "x", "y").event) == entry_id(event(3, "p", "q").event)
    assert entry_id(event(3, "x", "y").event) != entry_id(event(4, "x", "y").event)


def test_hostile_page_text_comes_out_inert() -> None:
    hostile = (
        '<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a> ]]> &amp;'
    )
    xml = render(event(1, "Harmless words here.", hostile, headline="<b>Head</b> ]]>"))
    root = lxml.etree.fromstring(xml)  # still well-formed XML
    entry = root.find(ATOM + "entry")
    assert entry is not None
    content_html = entry.findtext(ATOM + "content") or ""
    assert "<script>" not in content_html
    assert "<img" not in content_html
    assert "<a href" not in content_html
    assert "&lt;script&gt;" in content_html
    # text, not markup
    assert (
        entry.findtext(ATOM + "title") == "1 paragraph added, 1 paragraph removed: <b>Head</b> ]]>"
    )


def test_an_empty_feed_is_valid() -> None:
    parsed = feedparser.parse(render())
    assert parsed.bozo == 0
    assert parsed.entries == []


def test_lifecycle_events_say_what_happened() -> None:
    gone = ChangeEvent(
        "abc123",
        "https://news.example/storm",
        "example",
        2,
        1_700_000_000.0,
        "Storm hits coast",
        NO_DIFF,
        kinds=("gone",),
        sequence=5,
        detail="the page answers HTTP 410",
    )
    root = lxml.etree.fromstring(render(StoredEvent("1700000000000-0", gone)))
    entry = root.find(ATOM + "entry")
    assert entry is not None
    assert entry.findtext(ATOM + "summary") == "Article gone; the page answers HTTP 410"
    assert entry.findtext(ATOM + "title") == "Article gone: Storm hits coast"
    terms = [c.get("term") for c in entry.findall(ATOM + "category")]
    assert terms == ["example", "gone"]
    assert entry.findtext(ATOM + "id", "").endswith("article/abc123/event/5")
