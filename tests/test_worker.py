"""A real `redline worker` process against a real redis-server and a local news site."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import pytest

from crawler.connection import connect
from crawler.keys import Keys
from crawler.queue import DueQueue
from crawler.store import ArticleStore, TrackTarget
from scheduler.policy import RecheckPolicy
from scheduler.urls import article_id
from tests.conftest import wait_for
from tests.sites import NewsSite, sample_story

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import redis

    from crawler.models import ArticleState


class Harness:
    """A worker process on its own key prefix; the test plays the clock."""

    def __init__(self, redis_url: str, tmp_path: Path) -> None:
        self.keys = Keys(f"test-{uuid.uuid4().hex[:8]}:")
        conn: redis.Redis = connect(redis_url)
        self.store = ArticleStore(conn, self.keys)
        self.queue = DueQueue(conn, self.keys)
        self.queue.publish_policy(RecheckPolicy(initial_interval=60, stability_window=3600))
        self.log = tmp_path / "worker.log"
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "REDLINE_CONFIG": "",
            "REDLINE_REDIS_PREFIX": self.keys.prefix,
            "REDLINE_RETRIES": "0",
            "REDLINE_DOWNLOAD_TIMEOUT": "5s",
            "REDLINE_MAX_PAGE_SIZE": "200KB",
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def check(self, *urls: str) -> list[ArticleState]:
        """Makes the articles due now and waits until the worker has checked each once more."""
        ids = [article_id(url) for url in urls]
        before = {i: s.checks for i, s in ((i, self.store.load(i)) for i in ids) if s}
        self.store.sync_tracked([TrackTarget(article_id(u), u, "local") for u in urls], 0.0)
        for i in ids:
            self.store.redis.zadd(self.keys.schedule, {i: 0})
        self.queue.promote(1e12)

        def done() -> list[ArticleState] | None:
            states = [self.store.load(i) for i in ids]
            ready = all(s and s.checks > before.get(s.id, 0) for s in states)
            return [s for s in states if s] if ready else None

        result = wait_for(done, what="the worker's checks")
        assert isinstance(result, list)
        return result

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(redis_url, tmp_path)
    yield harness
    if harness.process.poll() is None:
        assert harness.stop() == 0
    print(harness.log.read_text(errors="replace")[-3000:])


def test_conditional_get_turns_a_304_into_an_unchanged_check(
    worker: Harness, site: NewsSite
) -> None:
    story = sample_story()
    story.etag = '"v1"'
    url = site.add("/etag", story)
    (first,) = worker.check(url)
    assert (first.versions, first.etag) == (1, '"v1"')
    (second,) = worker.check(url)
    assert site.not_modified["/etag"] == 1
    assert (second.versions, second.checks, second.errors) == (1, 2, 0)


def test_bad_responses_are_recorded_as_errors_and_never_as_versions(
    worker: Harness, site: NewsSite
) -> None:
    missing = site.url("/missing")
    failing = site.add("/failing", sample_story())
    site.edit("/failing", status=500)
    not_html = site.add("/data", sample_story())
    site.edit("/data", content_type="application/octet-stream")
    huge = site.add("/huge", sample_story())
    site.edit("/huge", paragraphs=["word " * 100_000])
    empty = site.add("/empty", sample_story())
    site.edit("/empty", paragraphs=[], headline="")
    good = site.add("/good", sample_story())
    states = {s.url: s for s in worker.check(missing, failing, not_html, huge, empty, good)}
    assert states[missing].last_error == "HTTP 404"
    assert states[failing].last_error == "HTTP 500"
    assert "not an HTML page" in states[not_html].last_error
    assert "larger than download max size (200000)" in states[huge].last_error
    assert "no article" in states[empty].last_error
    assert all(states[u].versions == 0 for u in (missing, failing, not_html, huge, empty))
    assert states[good].versions == 1
    assert states[good].last_error == ""
    assert worker.process.poll() is None  # still running


def test_robots_txt_is_obeyed(worker: Harness, site: NewsSite) -> None:
    site.robots = "User-agent: *\nDisallow: /private\n"
    url = site.add("/private/story", sample_story())
    (state,) = worker.check(url)
    assert "robots.txt" in state.last_error
    assert site.count("/private/story") == 0
