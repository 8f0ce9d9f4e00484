"""A real `redline worker` process against a real redis-server and a local news site."""

from __future__ import annotations

import time
import urllib.request
from typing import TYPE_CHECKING

import pytest

from crawler.extraction.rules import ExtractionRules, rules_digest
from tests.workers import Harness, one_worker

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.sites import NewsSite

from tests.sites import sample_story


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    with one_worker(redis_url, tmp_path) as harness:
        yield harness


def test_conditional_get_turns_a_304_into_an_unchanged_check(
    worker: Harness, site: NewsSite
) -> None:
    story = sample_story()
    story.etag = '"v1"'
    url = site.add("/etag", story)
    (first,) = worker.check(url)  # the first version, and the 304 that confirms it
    assert (first.versions, first.etag, first.candidate) == (1, '"v1"', "")
    assert site.not_modified["/etag"] == 1
    (second,) = worker.check(url)
    assert site.not_modified["/etag"] == 2
    assert (second.versions, second.checks, second.errors) == (1, 3, 0)


def test_bad_responses_are_recorded_as_errors_and_never_as_versions(
    worker: Harness, site: NewsSite
) -> None:
    missing = site.url("/missing")
    failing = site.add("/failing", sample_story())
    site.edit("/failing", status=500)
    huge = site.add("/huge", sample_story())
    site.edit("/huge", paragraphs=["word " * 100_000])
    empty = site.add("/empty", sample_story())
    site.edit("/empty", paragraphs=[], headline="")
    good = site.add("/good", sample_story())
    states = {s.url: s for s in worker.check(missing, failing, huge, empty, good)}
    assert states[missing].last_error == "HTTP 404"
    assert states[failing].last_error == "HTTP 500"
    assert "larger than download max size (200000)" in states[huge].last_error
    assert "no article" in states[empty].last_error
    assert all(states[u].versions == 0 for u in (missing, failing, huge, empty))
    assert states[good].versions == 1
    assert states[good].last_error == ""
    assert worker.process.poll() is None  # still running


def test_robots_txt_is_obeyed(worker: Harness, site: NewsSite) -> None:
    site.robots = "User-agent: *\nDisallow: /private\n"
    url = site.add("/private/story", sample_story())
    (state,) = worker.check(url)
    assert "robots.txt" in state.last_error
    assert site.count("/private/story") == 0


def test_documents_that_are_not_html_are_recorded_as_such_and_not_extracted(
    worker: Harness, site: NewsSite
) -> None:
    served = {
        "/report.pdf": ("application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        "/photo": ("text/html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),  # mislabelled
        "/api": ("application/json; charset=utf-8", b'{"headline": "x"}'),
    }
    urls = {}
    for path, (content_type, body) in served.items():
        urls[path] = site.add(path, sample_story())
        site.edit(path, content_type=content_type, body=body)
    states = {s.url: s for s in worker.check(*urls.values())}
    kinds = {path: states[url].not_html for path, url in urls.items()}
    assert kinds == {
        "/report.pdf": "application/pdf",
        "/photo": "image/png",
        "/api": "application/json",
    }
    for state in states.values():
        assert (state.versions, state.errors, state.extraction_failures) == (0, 0, 0)
        assert state.next_check is not None  # still watched, on the normal schedule
    (health,) = worker.store.counters.sites(time.time())
    assert (health.extraction.pages, health.extraction.not_html) == (3, 3)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        (  # Arabic, declared only in the page
            "text/html",
            '<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=windows-1256"><title>t</title></head><body><article><h1>عنوان الخبر</h1>'
            "<p>قالت الحكومة اليوم إن المحادثات ستستمر حتى نهاية الأسبوع المقبل في العاصمة.</p>"
            "<p>وأضاف المتحدث أن الوفدين اتفقا على جدول أعمال يشمل القضايا الاقتصادية.</p>"
            "</article></body></html>",
            "قالت الحكومة اليوم",
        ),
        (  # windows-1252 typographic quotes, declared with <meta charset>
            "text/html",
            '<html><head><meta charset="windows-1252"></head><body><article><h1>Caf\xe9 news</h1>'
            "<p>\u201cWe will reopen the caf\xe9 next spring,\u201d the owner said on Monday "
            "after weeks of repairs to the old building.</p><p>The council approved the plan "
            "without a vote, according to minutes published this week.</p>"
            "</article></body></html>",
            '"We will reopen the café next spring," the owner said',
        ),
        (  # latin-1 bytes declared nowhere: read as windows-1252, not as broken UTF-8
            "text/html",
            "<html><body><article><h1>Na\xefve headline</h1><p>The na\xefve r\xe9sum\xe9 "
            "of the minister was published on Tuesday by the office of the prime minister."
            "</p><p>Officials declined to comment further on the document or its author.</p>"
            "</article></body></html>",
            "The naïve résumé of the minister",
        ),
    ],
    ids=["windows-1256-meta", "windows-1252-meta-charset", "undeclared-latin"],
)
def test_legacy_encodings_are_decoded(
    worker: Harness, site: NewsSite, content_type: str, body: str, expected: str
) -> None:
    encoding = "cp1256" if "1256" in body else "cp1252"
    url = site.add("/legacy", sample_story())
    site.edit("/legacy", content_type=content_type, body=body.encode(encoding))
    (state,) = worker.check(url)
    assert state.versions == 1, state.last_error
    (version,) = worker.store.versions(state.id)
    assert expected in version.article.paragraphs[0]
    assert "\ufffd" not in " ".join(version.article.paragraphs)


def test_workers_apply_the_source_rules_the_clock_published(
    worker: Harness, site: NewsSite
) -> None:
    ruled = site.add("/ruled", sample_story())
    (first,) = worker.check(ruled)
    assert first.versions == 1
    # Rules for the test source ("local"), as the clock publishes them from the settings.
    rules = ExtractionRules(headline=("h1",), byline=("p.byline",), body=("article",))
    worker.shared.publish(worker.shared.for_source("local").policy, {"local": rules})
    (state,) = worker.check(ruled)
    story = sample_story()
    version = worker.store.versions(state.id)[-1]
    assert version.article.byline == f"By {story.byline}"
    assert version.article.paragraphs == (f"By {story.byline}", *story.paragraphs)
    assert version.extractor.endswith(f":rules:{rules_digest(rules)}")
    # New rules read the page differently: a new baseline, not an edit.
    assert state.versions == 2
    assert worker.store.timeline(state.id) == []
    # A layout change: the body rule matches nothing and another layer reads the page.
    story_text = b"The new layout puts the story in a plain div with no article element. " * 3
    site.edit(
        "/ruled",
        body=b"<html><body><div class='story'><h1>New layout</h1><p>"
        + story_text
        + b"</p></div></body></html>",
    )
    worker.check(ruled)
    (health,) = worker.store.counters.sites(time.time())
    assert (health.extraction.pages, health.extraction.fell_back) == (4, 1)
    assert health.extraction.layers == {"general": 3, "rules": 1}
    assert worker.store.timeline(state.id) == []


def test_a_page_already_read_is_not_read_again_unless_its_readers_changed(
    worker: Harness, site: NewsSite
) -> None:
    url = site.add("/same", sample_story())
    with urllib.request.urlopen(url) as response:
        site.edit("/same", body=response.read())  # from now on, the same bytes every time
    (first,) = worker.check(url)
    assert first.versions == 1
    assert first.page_digest
    (second,) = worker.check(url)
    assert (second.checks, second.versions, second.page_digest) == (3, 1, first.page_digest)
    (health,) = worker.store.counters.sites(time.time())
    assert health.extraction.pages == 1  # the second check extracted nothing
    # New rules for the source: the same bytes are read again (a new baseline).
    rules = ExtractionRules(body=("article",))
    worker.shared.publish(worker.shared.for_source("local").policy, {"local": rules})
    (third,) = worker.check(url)
    assert third.page_digest not in ("", first.page_digest)
    (health,) = worker.store.counters.sites(time.time())
    assert health.extraction.layers == {"general": 1, "rules": 1}
    # A page that leaves doubt is read again, whatever its bytes.
    site.edit("/same", body=b"<html><body><p>Subscribe to continue reading.</p></body></html>")
    (failed,) = worker.check(url)
    assert (failed.page_digest, failed.extraction_failures) == ("", 1)
    (again,) = worker.check(url)
    assert again.extraction_failures == 2


def test_a_url_that_cannot_be_requested_is_a_failed_check_and_the_worker_goes_on(
    worker: Harness, site: NewsSite
) -> None:
    """A stored URL Scrapy refuses to request (here one with no scheme, which only a
    damaged state could hold) must not end the worker's claiming."""
    bad = "news.example/no-scheme"
    good = site.add("/after-the-bad-one", sample_story("sluice"))
    failed, fetched = worker.check(bad, good)
    assert (failed.checks, failed.versions, failed.errors) == (1, 0, 1)
    assert failed.last_error.startswith("cannot request this URL: Missing scheme")
    assert (fetched.checks, fetched.versions) == (2, 1)  # its first version confirmed
    (again,) = worker.check(good)
    assert again.checks == 3, "the worker is still claiming"
