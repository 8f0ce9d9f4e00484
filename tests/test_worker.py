"""A real `redline worker` process against a real redis-server and a local news site."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.workers import Harness

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.sites import NewsSite

from tests.sites import sample_story


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(redis_url, tmp_path)
    harness.start_worker()
    yield harness
    print(harness.logs())
    assert all(code == 0 for code in harness.stop())


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
