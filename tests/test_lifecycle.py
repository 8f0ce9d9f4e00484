"""An article's life as a real worker meets it on a misbehaving local site: errors that are
not changes, removals and returns, moves, duplicates, flip-flops and suspicious pages."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from crawler.domain.identity import article_id, normalise_url, site_of
from crawler.domain.models import Status
from crawler.domain.policy import RecheckPolicy
from tests.conftest import wait_for
from tests.sites import Story, sample_story
from tests.workers import Harness, one_worker

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.sites import NewsSite

POLICY = RecheckPolicy(
    initial_interval=60,
    stability_window=3600,
    confirm_delay=0,
    failing_after=3,
    site_failure_limit=3,
    site_backoff=600,
)


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    with one_worker(redis_url, tmp_path, POLICY) as harness:
        yield harness


def kinds(worker: Harness, url: str) -> list[tuple[str, ...]]:
    return [stored.event.kinds for stored in worker.store.timeline(article_id(url))]


def test_a_429_with_retry_after_is_no_change_and_backs_off_article_and_site(
    worker: Harness, site: NewsSite
) -> None:
    url = site.add("/busy", sample_story())
    worker.check(url)
    site.edit("/busy", status=429, extra_headers={"Retry-After": "900"})
    asked = time.time()
    (state,) = worker.check(url)
    assert (state.versions, state.errors, state.last_error) == (1, 1, "HTTP 429")
    assert state.next_check is not None
    assert state.next_check >= asked + 900
    (health,) = worker.store.counters.sites(time.time())
    assert health.backoff_until >= asked + 900
    assert (health.failures, health.consecutive) == (1, 1)
    assert kinds(worker, url) == []


def test_a_site_failing_for_every_article_is_backed_off_not_hammered(
    worker: Harness, site: NewsSite
) -> None:
    urls = [site.add(f"/down/{n}", sample_story(f"wall {n}")) for n in range(12)]
    for n in range(12):
        site.edit(f"/down/{n}", status=503)
    worker.due(*urls)
    queue = worker.queue
    wait_for(
        lambda: (d := queue.depth(time.time())).ready == 0 and d.leased == 0,
        what="every due check to be made or deferred",
    )
    fetched = sum(site.count(f"/down/{n}") for n in range(12))
    assert POLICY.site_failure_limit <= fetched < 12
    (health,) = worker.store.counters.sites(time.time())
    assert health.backoff_until > time.time() + 500
    deferred = [s for s in worker.store.articles([article_id(u) for u in urls]) if not s.checks]
    assert deferred  # never fetched: they wait for the site's back-off to end
    assert all(s.next_check is not None for s in deferred)
    scores = [worker.store.redis.zscore(worker.keys.schedule, s.id) for s in deferred]
    assert all(
        score is not None and time.time() + 500 < score <= health.backoff_until for score in scores
    )


def test_repeated_errors_make_an_article_failing_and_a_success_active_again(
    worker: Harness, site: NewsSite
) -> None:
    worker.shared.publish(replace(POLICY, site_failure_limit=100), {})  # the site is fine
    url = site.add("/flaky", sample_story())
    worker.check(url)
    site.edit("/flaky", status=500)
    for _ in range(POLICY.failing_after):
        (state,) = worker.check(url)
    assert (state.status, state.errors, state.versions) == (Status.FAILING, 3, 1)
    site.edit("/flaky", status=200)
    (state,) = worker.check(url)
    assert (state.status, state.errors, state.failures) == (Status.ACTIVE, 0, 3)
    assert kinds(worker, url) == []


def test_a_page_that_goes_away_and_comes_back(worker: Harness, site: NewsSite) -> None:
    url = site.add("/story", sample_story())
    worker.check(url)
    site.edit("/story", status=404)
    (state,) = worker.check(url)
    assert state.status is Status.GONE
    site.edit("/story", status=410)
    worker.check(url)
    assert kinds(worker, url) == [("gone",)]
    site.edit("/story", status=200)
    (state,) = worker.check(url)
    assert state.status is Status.ACTIVE
    assert state.versions == 1
    assert kinds(worker, url) == [("gone",), ("restored",)]


def test_a_moved_article_keeps_one_history_and_is_polled_at_its_new_home(
    worker: Harness, site: NewsSite
) -> None:
    url = site.add("/old", sample_story())
    worker.check(url)
    new_home = site.add("/2026/new-home", sample_story())
    site.edit("/old", redirect=new_home + "?utm_source=redirect")
    (state,) = worker.check(url)
    assert state.location == new_home
    assert state.url == url
    old_requests = site.count("/old")
    (state,) = worker.check(url)
    assert site.count("/old") == old_requests  # fetched at its new home directly
    assert site.count("/2026/new-home") == 2
    assert kinds(worker, url) == [("moved",)]
    assert state.versions == 1


def test_urls_that_resolve_to_one_article_make_one_history(worker: Harness, site: NewsSite) -> None:
    desktop = site.add("/news/story", sample_story())
    mobile = site.add("/m/news/story", sample_story())
    site.edit("/m/news/story", canonical=desktop)
    worker.check(desktop)
    (state,) = worker.check(mobile)
    assert (state.status, state.duplicate_of, state.versions) == (
        Status.DUPLICATE,
        article_id(desktop),
        0,
    )
    # Tracking parameters are not part of an article's identity.
    assert normalise_url(desktop + "?utm_source=twitter&utm_medium=social") == desktop


def test_flip_flopping_headlines_publish_one_revert_then_are_counted(
    worker: Harness, site: NewsSite
) -> None:
    url = site.add("/ab", sample_story())
    worker.check(url)
    for headline in (
        "Wall vote: council says yes",
        "City council votes to rebuild the old harbour wall",
        "Wall vote: council says yes",
        "City council votes to rebuild the old harbour wall",
    ):
        site.edit("/ab", headline=headline)
        worker.check(url)  # reads the candidate change...
        (state,) = worker.check(url)  # ...and confirms it
    assert kinds(worker, url) == [("headline",), ("reverted", "headline")]
    assert (state.versions, state.flips) == (5, 2)


def test_a_page_that_lost_most_of_its_text_is_confirmed_before_it_is_recorded(
    worker: Harness, site: NewsSite
) -> None:
    url = site.add("/stub", sample_story())
    worker.check(url)
    full = list(sample_story().paragraphs)
    site.edit("/stub", paragraphs=full[:1])
    (state,) = worker.check(url)
    assert (state.versions, state.candidate != "") == (1, True)
    site.edit("/stub", paragraphs=full)  # it was a hiccup
    (state,) = worker.check(url)
    assert (state.versions, state.extraction_failures, state.candidate) == (1, 1, "")
    site.edit("/stub", paragraphs=full[:1])  # now it really was cut
    worker.check(url)
    (state,) = worker.check(url)
    assert state.versions == 2
    assert kinds(worker, url) == [("body",)]
    (health,) = worker.store.counters.sites(time.time())
    assert health.extraction_failures == 1


def test_a_paywall_is_never_recorded_as_a_version(worker: Harness, site: NewsSite) -> None:
    url = site.add("/paywalled", sample_story())
    worker.check(url)
    wall = Story(
        headline="Subscribe to continue reading",
        byline="",
        paragraphs=["This article is for subscribers only. Already a subscriber? Log in."],
    )
    site.add("/paywalled", wall)
    worker.check(url)
    (state,) = worker.check(url)
    assert state.versions == 1
    assert "wall or an error page" in state.last_error
    assert state.extraction_failures == 1
    assert kinds(worker, url) == []


def test_timeouts_and_refused_connections_are_failures_of_the_site_not_changes(
    redis_url: str, tmp_path: Path, site: NewsSite
) -> None:
    policy = replace(POLICY, site_failure_limit=100)
    with one_worker(redis_url, tmp_path, policy, REDLINE_DOWNLOAD_TIMEOUT="1s") as harness:
        slow = site.add("/slow", sample_story())
        harness.check(slow)
        site.edit("/slow", delay=3.0)
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            refused = f"http://127.0.0.1:{sock.getsockname()[1]}/story"
        timed_out, unreachable = harness.check(slow, refused)
        assert "took longer than 1.0 seconds" in timed_out.last_error
        assert "ConnectionRefused" in unreachable.last_error
        assert (timed_out.versions, unreachable.versions) == (1, 0)
        assert [s.errors for s in (timed_out, unreachable)] == [1, 1]
        health = {h.site: h for h in harness.store.counters.sites(time.time())}
        assert health[site_of(slow)].consecutive == 1
        assert health[site_of(refused)].consecutive == 1
        assert harness.store.timeline(article_id(slow)) == []
