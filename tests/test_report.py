"""What `redline status` and `redline show` say: pure, time passed in."""

from __future__ import annotations

import dataclasses

from crawler.domain.diff import NO_DIFF
from crawler.domain.models import Article, ArticleState, ChangeEvent, Status, Version
from crawler.domain.wording import describe
from crawler.store.articles import StoredEvent
from crawler.store.counters import ExtractionHealth, SiteHealth
from crawler.store.queue import Depth
from crawler.web.views import change_of, versions_of
from scheduler.report import Overview, article_text, status_text

NOW = 1_800_000_000.0


def test_status_counts_states_overdue_checks_the_last_hour_and_sick_sites() -> None:
    overview = Overview(
        counts={Status.ACTIVE: 7, Status.FAILING: 1, Status.GONE: 2, Status.UNTRACKED: 3},
        depth=Depth(scheduled=9, overdue=2, ready=3, leased=1, oldest_due=NOW - 1500),
        last_hour={"checks": 120, "changes": 4, "errors": 6, "extraction_failures": 1},
        sites=[
            SiteHealth(
                "news.example",
                checks=90,
                failures=6,
                consecutive=6,
                last_error="HTTP 503",
                backoff_until=NOW + 300,
            ),
            SiteHealth(
                "quiet.example",
                checks=30,
                extraction=ExtractionHealth(pages=30, layers={"general": 24, "structured": 6}),
            ),
            SiteHealth(
                "moved.example",
                checks=20,
                extraction=ExtractionHealth(
                    pages=20, layers={"general": 12, "rules": 4}, fell_back=12, failed=4
                ),
            ),
        ],
        clock="host:123:abc",
        problems=["config/urls.txt:4: only http and https URLs can be tracked: 'ftp://x'"],
        redis_disk="Redis failed at writing its append-only file (is its disk full?)",
    )
    text = status_text(overview, NOW)
    assert "articles: 10 tracked, 3 untracked" in text
    assert "active 7  failing 1  gone 2  stable 0  duplicate 0  untracked 3" in text
    assert "checks: 5 overdue (the oldest by 25 minutes), 1 in progress, 7 scheduled" in text
    assert "last hour: 120 checks, 4 changes, 6 errors, 1 extraction failures" in text
    assert "news.example   90 checks, 6 failures, 6 in a row" in text
    assert "backed off for 5 minutes, last error: HTTP 503" in text
    assert "quiet.example  30 checks, 0 failures, 0 extraction failures" in text
    assert "last 24h: 30 pages, general 80%, structured 20%\n" in text
    assert (
        "last 24h: 20 pages, general 60%, rules 20%, fell back 60%, failed 20%"
        "  <- extraction is failing" in text
    )
    assert "bad line: config/urls.txt:4" in text
    assert (
        "redis: Redis failed at writing its append-only file (is its disk full?): "
        "no check is recorded until it can write" in text
    )


def test_nothing_overdue_is_said_plainly() -> None:
    overview = Overview(
        {},
        Depth(4, 0, 0, 0, None),
        dict.fromkeys(("checks", "changes", "errors", "extraction_failures"), 0),
        [],
        "",
        [],
    )
    text = status_text(overview, NOW)
    assert "checks: none overdue, 0 in progress, 4 scheduled" in text
    assert "clock: not running" in text
    assert "redis:" not in text


def test_show_tells_the_state_in_words_and_lists_versions_and_changes() -> None:
    state = ArticleState(
        "id1",
        "https://news.example/1",
        "example",
        Status.ACTIVE,
        created=NOW - 5 * 3600,
        versions=2,
        checks=9,
        last_check=NOW - 600,
        last_change=NOW - 3 * 3600,
        next_check=NOW + 1200,
        flips=2,
    )
    article = Article("Storm hits coast", "", ("Winds of 90 mph were recorded.",))
    versions = [
        Version(0, NOW - 5 * 3600, "d0", article, state.url, "x"),
        Version(1, NOW - 3 * 3600, "d1", article, state.url, "x", same_as=0),
    ]
    event = ChangeEvent(
        "id1",
        state.url,
        "example",
        1,
        NOW - 3 * 3600,
        "Storm hits coast",
        NO_DIFF,
        kinds=("reverted",),
        sequence=1,
        detail="back to version 0",
    )
    changes = [change_of(StoredEvent("1-0", event), NOW)]
    text = article_text(state, versions_of(versions), changes, NOW)
    assert "state:        active: last changed 3 hours ago, next check in 20 minutes" in text
    assert "(first seen)" in text
    assert "(2 hours later)" in text
    assert "same text as version 0" in text
    assert "Reverted to an earlier version; back to version 0" in text
    assert "flips:        2 returns to earlier texts, not published" in text
    assert "published:" not in text
    found = dataclasses.replace(state, published=NOW - 6 * 3600, via="@feed")
    text = article_text(found, versions_of(versions), [], NOW)
    assert "published:    " in text
    assert "(as its source listed it)" in text
    assert "found by:     discovery" in text


def test_a_stable_article_is_described_as_never_checked_again() -> None:
    state = ArticleState("id1", "u", "s", Status.STABLE, last_change=NOW - 41 * 86400)
    assert describe(state, NOW) == "stable: last changed 41 days ago and won't be checked again"


def test_status_tells_each_sources_discovery_extraction_and_problems() -> None:
    from crawler.domain.models import EndpointState
    from crawler.store.health import SourceHealth

    feed = EndpointState("@1", "https://t.example/rss", "tribune", found=40, last_success=NOW - 600)
    broken = EndpointState(
        "@2", "https://t.example/sitemap.xml", "tribune", status=Status.FAILING, errors=5
    )
    tribune = SourceHealth(
        "tribune",
        {**dict.fromkeys(Status, 0), Status.ACTIVE: 30, Status.STABLE: 12, Status.UNTRACKED: 1},
        (feed, broken),
        extraction=ExtractionHealth(pages=50, layers={"general": 50}, failed=20),
    )
    quiet = SourceHealth("ledger", {**dict.fromkeys(Status, 0), Status.NEW: 2})
    overview = Overview(
        {},
        Depth(4, 0, 0, 0, None),
        dict.fromkeys(("checks", "changes", "errors", "extraction_failures"), 0),
        [],
        "",
        [],
        sources=[quiet, tribune],
        failing={"tribune": ("extraction failing: 40% of 50 pages in the last 6 hours ...",)},
        health_hours=6,
    )
    text = status_text(overview, NOW)
    assert (
        "sources:\n"
        "  ledger: 2 tracked (new 2)\n"
        "  tribune: 42 tracked (active 30, stable 12, untracked 1)\n"
        "    discovery: 2 endpoints (1 failing), 40 articles found, last read without error "
        "10 minutes ago\n"
        "    extraction: last 6h: 50 pages, general 100%, failed 40%  <- extraction is failing"
    ) in text
    assert "    FAILING: extraction failing: 40% of 50 pages in the last 6 hours ..." in text
