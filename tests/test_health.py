"""Each source's health: when discovery or extraction has been failing long enough to say
so, and the health feed's entries when a source starts failing and when it recovers."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from crawler.domain.models import EndpointState, ListingFetch, Status
from crawler.extraction.discovery import Listing
from crawler.store.articles import ArticleStore
from crawler.store.counters import ExtractionHealth
from crawler.store.endpoints import EndpointStore, EndpointTarget, endpoint_id
from crawler.store.health import HealthLog, SourceHealth, problems
from scheduler.clock import Clock
from scheduler.config import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import redis

    from crawler.store.keys import Keys

HOUR = 3600.0
NOW = 1_800_000_000.0
FEED = "https://news.example/feed.xml"


def endpoint(**changes: object) -> EndpointState:
    base = EndpointState(endpoint_id(FEED), FEED, "news", created=NOW - 30 * HOUR)
    return replace(base, **changes)  # type: ignore[arg-type]


def health(*endpoints: EndpointState, pages: int = 0, failed: int = 0) -> SourceHealth:
    return SourceHealth(
        "news",
        dict.fromkeys(Status, 0),
        endpoints,
        extraction=ExtractionHealth(pages=pages, failed=failed),
    )


def test_discovery_is_failing_once_every_endpoint_has_failed_for_long_enough() -> None:
    failing = endpoint(errors=4, last_success=NOW - 7 * HOUR, last_error="HTTP 503")
    assert problems(health(failing), NOW, 6 * HOUR) == [
        f"discovery failing for 7 hours: every endpoint fails (latest: {FEED}: HTTP 503)"
    ]
    assert problems(health(failing), NOW, 8 * HOUR) == [], "not for long enough yet"
    working = replace(failing, id="@other", errors=0, last_success=NOW - 60)
    assert problems(health(failing, working), NOW, 6 * HOUR) == [], "another endpoint works"
    never = endpoint(errors=2, last_error="cannot read the listing: not well-formed XML")
    assert problems(health(never), NOW, 6 * HOUR)[0].startswith("discovery failing for over 1 day")
    assert problems(health(), NOW, 6 * HOUR) == [], "no endpoints, nothing to fail"


@pytest.mark.parametrize(
    ("pages", "failed", "failing"),
    [(100, 20, True), (100, 19, False), (9, 9, False), (0, 0, False)],
)
def test_extraction_is_failing_when_a_fifth_of_enough_pages_held_no_article(
    pages: int, failed: int, failing: bool
) -> None:
    found = problems(health(pages=pages, failed=failed), NOW, 6 * HOUR)
    assert bool(found) is failing
    if failing:
        assert found == [
            "extraction failing: 20% of 100 pages in the last 6 hours held no trustworthy article"
        ]


def test_the_clock_logs_a_failing_source_and_its_recovery_in_the_health_log(
    redis_conn: redis.Redis, keys: Keys, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "redline.toml"
    urls = tmp_path / "urls.txt"
    urls.write_text("")
    config.write_text(
        f'urls_file = "{urls}"\nhealth_after = "1h"\n'
        f'[sources.news]\ndiscover = ["{FEED}"]\ndiscover_interval = "5m"\n'
    )
    clock = Clock(load_settings(config, {}), redis_conn, config_arg=str(config), env={})
    endpoints = EndpointStore(ArticleStore(redis_conn, keys))
    log = HealthLog(redis_conn, keys)
    clock.tick(NOW)
    assert log.current() == {}

    def read(at: float, error: str) -> None:
        fetch = ListingFetch(
            endpoint_id=endpoint_id(FEED),
            url=FEED,
            final_url=FEED,
            fetched_at=at,
            status=503,
            claimed_at=at,
        )
        listing = None if error else Listing("rss", ())
        endpoints.record(fetch, listing, error, at)

    for n in range(4):
        read(NOW + n * 1200, "HTTP 503")
    with caplog.at_level(logging.INFO, "scheduler.clock"):
        clock.check_health(NOW + HOUR + 60)
        clock.check_health(NOW + HOUR + 120)  # no change: no new entry
        read(NOW + 2 * HOUR, "")
        clock.check_health(NOW + 2 * HOUR + 60)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "source news is failing: discovery failing for 1 hour: every endpoint fails "
        f"(latest: {FEED}: HTTP 503)",
        "source news has recovered",
    ]
    entries = log.recent(10)
    assert [(e.source, e.problems != (), e.at) for e in entries] == [
        ("news", False, NOW + 2 * HOUR + 60),
        ("news", True, NOW + HOUR + 60),
    ]
    assert log.current() == {}
    state = endpoints.load(endpoint_id(FEED))
    assert state is not None
    assert (state.errors, state.status) == (0, Status.ACTIVE)
    assert endpoints.sync([EndpointTarget(FEED, "news", 300.0)], NOW) == (0, 0)
