"""The local newsroom of ``bench/``: its pages, its truth and its scoring, and ``redline
demo`` running on it end to end."""

from __future__ import annotations

import functools
import itertools
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from bench.newsroom.score import baseline, score
from crawler.domain.diff import NO_DIFF
from crawler.domain.hashing import fingerprint
from crawler.domain.models import ChangeEvent
from crawler.extraction.decode import decode_html
from crawler.extraction.extract import extract_page
from crawler.extraction.rules import ExtractionRules
from scheduler.newsroom.layouts import LAYOUTS, RULES
from scheduler.newsroom.server import Faults, Newsroom, NewsroomConfig
from scheduler.newsroom.story import EditPlan, edit_times, story_version
from tests.conftest import wait_for
from tests.test_e2e import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def _rule(key: str) -> tuple[str, ...]:
    """A key of the newsroom's source table (a selector, or a list of them) as the
    settings read it."""
    value = RULES[key]
    return (value,) if isinstance(value, str) else tuple(value)


RULED = ExtractionRules(
    headline=_rule("headline"), byline=_rule("byline"), body=_rule("body"), drop=_rule("drop")
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def newsroom(clock: Clock) -> Iterator[Newsroom]:
    config = NewsroomConfig(
        articles=8, sites=4, edits=EditPlan(share=1.0, edits=1, first=100, spread=0), etag=True
    )
    room = Newsroom(config, clock=clock).start()
    yield room
    room.stop()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def read(newsroom: Newsroom, index: int) -> str:
    """The fingerprint of what redline reads on article ``index``'s page now."""
    status, headers, body = fetch(newsroom.url(index))
    assert status == 200
    layout = newsroom.config.layout(newsroom.config.site(index))
    page = extract_page(
        decode_html(body, headers["Content-Type"]),
        newsroom.url(index),
        RULED if layout == "ruled" else None,
    )
    version = newsroom.version_at(index, newsroom.clock() - newsroom.started)
    assert page.article.headline == story_version(1, index, version).headline
    return fingerprint(page.article)


def test_the_truth_is_the_same_wherever_it_is_computed() -> None:
    plan = EditPlan(share=0.5, edits=3, first=60, spacing=120, spread=30)
    assert [edit_times(7, i, plan) for i in range(50)] == [
        edit_times(7, i, plan) for i in range(50)
    ]
    edited = [edit_times(7, i, plan) for i in range(200)]
    assert 60 < sum(1 for times in edited if times) < 140
    for times in edited:
        assert all(b - a >= 120 for a, b in itertools.pairwise(times))
        assert all(t >= 60 for t in times)
    for index in range(20):
        versions = [story_version(7, index, n) for n in range(4)]
        for old, new in itertools.pairwise(versions):  # each edit changes the text
            assert (old.headline, old.paragraphs) != (new.headline, new.paragraphs)


def test_every_layout_churns_but_reads_the_same_until_an_edit(
    newsroom: Newsroom, clock: Clock
) -> None:
    assert {newsroom.config.layout(s) for s in range(4)} == set(LAYOUTS)
    for index in range(4):
        first, second = fetch(newsroom.url(index))[2], fetch(newsroom.url(index))[2]
        assert first != second  # the boilerplate churned
        assert read(newsroom, index) == read(newsroom, index)
    before = [read(newsroom, index) for index in range(4)]
    clock.now += 101  # every article's one edit is now due
    assert all(read(newsroom, i) != old for i, old in enumerate(before))
    assert fetch(newsroom.url(3))[1]["Content-Type"] == "text/html; charset=windows-1252"


def test_conditional_get_answers_304_until_the_article_is_edited(
    newsroom: Newsroom, clock: Clock
) -> None:
    _status, headers, _ = fetch(newsroom.url(0))
    etag = headers["ETag"]
    assert fetch(newsroom.url(0), {"If-None-Match": etag})[0] == 304
    clock.now += 101
    assert fetch(newsroom.url(0), {"If-None-Match": etag})[0] == 200


def test_faults_are_served_as_configured(clock: Clock) -> None:
    faults = Faults(gone=0.3, redirect=0.3, huge=0.2, gone_after=50, huge_size=1_000_000)
    config = NewsroomConfig(articles=40, sites=2, faults=faults)
    room = Newsroom(config, clock=clock).start()
    try:
        kinds = {i: config.fault_of(i) for i in range(40)}
        assert set(kinds.values()) == {"gone", "redirect", "huge", ""}
        gone = next(i for i, k in kinds.items() if k == "gone")
        moved = next(i for i, k in kinds.items() if k == "redirect")
        huge = next(i for i, k in kinds.items() if k == "huge")
        assert fetch(room.url(gone))[0] == 200
        clock.now += 51
        assert fetch(room.url(gone))[0] == 410
        status, _, body = fetch(room.url(moved))  # urllib follows the redirect
        assert status == 200
        assert f"/moved/{moved}".encode() in body  # its canonical URL
        assert len(fetch(room.url(huge))[2]) >= 1_000_000
        busy = Newsroom(replace(config, faults=Faults(unavailable=1.0)), clock=clock).start()
        try:
            assert fetch(busy.url(0))[0] == 503
        finally:
            busy.stop()
    finally:
        room.stop()
    assert Faults.parse("unavailable=0.5,slow=0.1") == Faults(unavailable=0.5, slow=0.1)
    with pytest.raises(ValueError, match="unknown fault 'flood'"):
        Faults.parse("flood=1")


def event(url: str, at: float, *kinds: str) -> ChangeEvent:
    return ChangeEvent(
        article_id="x", url=url, source="s", version=2, detected_at=at, headline="",
        diff=NO_DIFF,
        kinds=kinds,
    )  # fmt: skip


def test_the_score_counts_found_merged_false_and_late_requests() -> None:
    config = NewsroomConfig(articles=3, edits=EditPlan(share=1.0, edits=2, first=100, spread=0))
    started = 1000.0
    e0, e1 = config.edits_of(0), config.edits_of(1)
    events = [
        event("http://h/news/0", started + e0[0] + 5, "body"),  # found, 5 s late
        event("http://h/news/0", started + e0[0] + 6, "body"),  # reported twice: false
        event("http://h/news/1", started + e1[-1] + 3, "headline"),  # found (others merged)
        event("http://h/news/2", started + 10, "body"),  # before any edit: false
    ]
    requests = [[0.0, 5000.0, 9000.0, 9100.0], [0.0], [0.0]]
    baselines = [0.0, 0.0, 0.0]
    result = score(
        config, started, events, requests, until=10_000, stability_window=1000, baselines=baselines
    )
    edits = sum(len(config.edits_of(i)) for i in range(3))
    assert result.edits == edits
    assert result.merged == len(e1) - 1
    assert result.found == 2
    assert result.false_events == 2
    assert sorted(result.latencies) == [3.0, 5.0]
    assert result.extra_requests == 2  # article 0: three checks after the window, one needed
    assert result.missed == [*((0, at) for at in e0[1:]), *((2, at) for at in config.edits_of(2))]
    # Edits after the end of the scoring, and the events reporting them, are left out.
    early = score(
        config,
        started,
        events,
        requests,
        until=e1[-1] - 1,
        stability_window=1000,
        baselines=baselines,
    )
    assert (early.found, early.merged, early.false_events) == (1, 1, 2)
    assert early.edits == sum(1 for i in range(3) for at in config.edits_of(i) if at < e1[-1])
    assert early.after_window == 1
    e2 = config.edits_of(2)
    assert (early.in_baseline, early.unrecorded) == (0, 0)
    assert early.missed == [(2, at) for at in e2 if at < e1[-1]]  # its event came before


def test_an_edit_before_the_first_version_is_left_out_and_one_never_fetched_is_missed() -> None:
    config = NewsroomConfig(articles=2, edits=EditPlan(share=1.0, edits=2, first=100, spread=0))
    started = 1000.0
    e0, e1 = config.edits_of(0), config.edits_of(1)
    assert len(e1) == 2
    # Article 1's first version came from a request after its first edit: that edit is in
    # its baseline, and the event reports its second. Article 0 was never recorded.
    events = [event("http://h/news/1", started + e1[1] + 4, "body")]
    requests = [[], [e1[0] + 2, e1[1] + 4]]
    recorded = baseline(requests[1], e1[0] + 3)
    assert recorded == e1[0] + 2
    assert baseline([], None) is None
    result = score(
        config,
        started,
        events,
        requests,
        until=10_000,
        stability_window=1000,
        baselines=[None, recorded],
    )
    assert (result.found, result.in_baseline, result.unrecorded) == (1, 1, 1)
    assert result.edits == len(e0) + 1
    assert result.left_out == [(1, e1[0])]
    assert result.missed == [(0, at) for at in e0]
    assert result.recall == pytest.approx(1 / (len(e0) + 1))
    assert result.last_baseline == e1[0] + 2


def test_an_event_reports_the_edits_its_text_shows_not_every_edit_made_before_it() -> None:
    """Two edits; the first is published only after the second was made (it waited a
    check), the second in an event of its own. By time alone the first event reports both
    and the second is false; by the text each event recorded, each reports its edit."""
    plan = EditPlan(share=1.0, edits=2, first=100, spread=0)
    config = next(
        c
        for seed in range(100)
        if len((c := NewsroomConfig(articles=1, seed=seed, edits=plan)).edits_of(0)) == 2
    )
    started = 1000.0
    first_edit, second_edit = config.edits_of(0)
    events = [
        event("http://h/news/0", started + second_edit + 5, "body"),
        event("http://h/news/0", started + second_edit + 60, "body"),
    ]
    scored = functools.partial(
        score,
        config,
        started,
        events,
        [[first_edit - 50]],
        until=10_000.0,
        stability_window=1000.0,
        baselines=[first_edit - 50],
    )
    by_time = scored()
    assert (by_time.found, by_time.merged, by_time.false_events) == (1, 1, 1)
    shown = {events[0].detected_at: 1, events[1].detected_at: 2}
    by_text = scored(reports=lambda e: shown[e.detected_at])
    assert (by_text.found, by_text.merged, by_text.false_events) == (2, 0, 0)
    assert by_text.latencies == [second_edit + 5 - first_edit, 60]


@pytest.mark.e2e
def test_redline_demo_shows_an_edit_in_the_feed(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "REDLINE_CONFIG": "",
        "REDLINE_STATE_DIR": str(tmp_path / "var"),
        "REDLINE_WEB_PORT": str(port),
    }
    env.pop("REDIS_URL", None)
    with (tmp_path / "demo.log").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "demo", "--first-edit", "3", "--spacing", "5"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    feed = f"http://127.0.0.1:{port}/feed.atom"

    def edited() -> bool:
        try:
            with urllib.request.urlopen(feed, timeout=5) as reply:
                return b"<entry>" in reply.read()
        except (urllib.error.URLError, ConnectionError):
            return False

    def told() -> bool:
        return "[demo] redline published: " in (tmp_path / "demo.log").read_text()

    try:
        wait_for(edited, timeout=120, what="an edit in the demo's feed")
        wait_for(told, what="the demo telling of a published change")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
        print((tmp_path / "demo.log").read_text())
    console = (tmp_path / "demo.log").read_text()
    assert f"feed:     http://127.0.0.1:{port}/feed.atom" in console
    # Sources named as a reader would, the commands that reach the demo's own Redis, when
    # the edits are due, each edit as it is made, and a summary at the end.
    assert "(local-courier, harbour-herald, valley-gazette)" in console
    assert "commands: redline --config var/demo/redline.toml status" in console
    assert "The last edit is due in " in console
    assert "[demo] edit 1 of " in console
    assert "redline demo: stopped after " in console
    assert "Dumping Scrapy stats" not in console
    assert code == 0
    # Its own Redis, not the one of the state directory it was given.
    assert (tmp_path / "var" / "demo" / "state" / "redis.conf").is_file()
    assert not (tmp_path / "var" / "redis.conf").exists()
