"""Workers under stress, as real processes against a real Redis and local news sites: killed
in the middle of a batch, racing each other on the same articles, sharing sites politely,
stopped by signals, and losing their Redis for a while.

The test plays the clock: leases are expired by promoting with a ``now`` past their expiry
rather than by waiting for them.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis

from crawler.domain.codec import as_text
from crawler.domain.identity import article_id, site_of
from crawler.store.articles import ArticleStore
from crawler.store.connection import RedisUnavailableError, connect, disk_problem
from crawler.store.queue import LIVE_LEASE
from scheduler.embedded import EmbeddedRedis
from tests.conftest import wait_for
from tests.sites import NewsSite, Story, sample_story
from tests.workers import Harness

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from crawler.domain.models import ArticleState

# A lease long enough never to expire by itself during a test.
LONG_LEASE = "10m"
LONG_LEASE_SECONDS = 600
# Seconds a stalled story makes its reader wait: longer than any test waits for it.
STALL = 30.0


# -- fixtures and helpers -------------------------------------------------------------------


def _finish(harness: Harness) -> None:
    """Prints the workers' logs (shown when a test fails) and kills any process still
    running."""
    if harness.workers:
        print(harness.logs())
    for process in harness.processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


@pytest.fixture
def harness(redis_url: str, tmp_path: Path) -> Iterator[Harness]:
    """Workers on a private key prefix of the session's Redis (none started yet)."""
    workers = Harness(redis_url, tmp_path)
    yield workers
    _finish(workers)


@pytest.fixture
def other_site() -> Iterator[NewsSite]:
    """A second local news site."""
    news = NewsSite().start()
    yield news
    news.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A redis-server of this test's own (append-only file under ``tmp_path``)."""
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_harness(own_redis: EmbeddedRedis, tmp_path: Path) -> Iterator[Harness]:
    """Workers on the test's own Redis (none started yet)."""
    workers = Harness(own_redis.url, tmp_path)
    yield workers
    _finish(workers)


def log_of(harness: Harness, worker: int) -> str:
    """Everything worker number ``worker`` has logged so far."""
    return (harness.tmp_path / f"worker-{worker}.log").read_text(errors="replace")


def wait_until_started(harness: Harness) -> None:
    """Waits until every worker's spider is open (it claims work from then on)."""
    wait_for(
        lambda: all("Spider opened" in log_of(harness, n) for n in range(len(harness.workers))),
        timeout=60,
        what="every worker to open its spider",
    )


def wait_while_running(
    harness: Harness,
    condition: Callable[[], object],
    timeout: float = 30.0,
    what: str = "",
    processes: list[subprocess.Popen[bytes]] | None = None,
) -> object:
    """Like :func:`wait_for`, but fails at once if one of ``processes`` (default: every
    worker) exits or a worker fails to record a check meanwhile, rather than waiting for
    checks that will never be recorded."""

    def check() -> object:
        dead = [p for p in (processes or harness.workers) if p.poll() is not None]
        if dead:
            codes = ", ".join(f"pid {p.pid}: {p.returncode}" for p in dead)
            pytest.fail(f"a worker exited while waiting for {what} ({codes})")
        errors = recording_errors(harness)
        if errors:
            pytest.fail(f"a check could not be recorded while waiting for {what}: {errors}")
        return condition()

    return wait_for(check, timeout, what)


def recording_errors(harness: Harness) -> list[str]:
    """The exceptions that kept the workers from recording a fetch (Scrapy logs each as
    "Error processing" and a traceback); none is ever expected."""
    found = []
    for n in range(len(harness.workers)):
        lines = log_of(harness, n).splitlines()
        for at, line in enumerate(lines):
            if "ERROR: Error processing" in line:
                rest = lines[at + 1 :]
                start = next((i for i, text in enumerate(rest) if text.startswith("Traceback")), 0)
                cause = next((t for t in rest[start + 1 :] if t and not t[0].isspace()), "?")
                found.append(f"worker {n}: {cause}")
    return found


def stale_discards(harness: Harness, url: str) -> int:
    """How many fetches of ``url`` the workers discarded as stale (they write nothing)."""
    line = f"discarded a stale fetch of {url}:"
    return sum(log_of(harness, n).count(line) for n in range(len(harness.workers)))


def worker_id(process: subprocess.Popen[bytes]) -> str:
    """How a worker process names itself in the articles it checks."""
    return f"{socket.gethostname()}:{process.pid}"


def story(topic: str, delay: float = 0.0) -> Story:
    """A plausible article about ``topic`` whose server answers after ``delay`` seconds."""
    return replace(sample_story(topic), delay=delay)


def states(harness: Harness, urls: list[str]) -> list[ArticleState]:
    """The articles' states, in the order of ``urls`` (all must be tracked)."""
    found = [harness.store.load(article_id(url)) for url in urls]
    assert all(found), "every article is tracked"
    return [state for state in found if state is not None]


def leased(harness: Harness) -> set[str]:
    """The ids currently claimed by a worker."""
    return {as_text(i) for i in harness.store.redis.zrange(harness.keys.leases, 0, -1)}


def expiries(harness: Harness) -> list[tuple[str, float]]:
    """The claims and when each expires."""
    found: list[tuple[str, float]] = []
    for claim in harness.store.redis.zrange(harness.keys.leases, 0, -1, withscores=True):
        # redis-py types an item as a member or a pair: with scores, it is a pair
        assert not isinstance(claim, bytes | str)
        member, score = claim
        found.append((as_text(member), float(score)))
    return found


def ready(harness: Harness) -> set[str]:
    """The ids due and waiting for a worker."""
    return {as_text(i) for i in harness.store.redis.zrange(harness.keys.ready, 0, -1)}


def expire_leases(harness: Harness, urls: list[str]) -> float:
    """Plays the clock past the live lease of a worker that stopped renewing its claims
    (far short of the full lease): they go back to the ready queue, and no longer count
    against their sites' limits.

    Returns:
        The injected time.
    """
    now = time.time() + LIVE_LEASE + 1
    assert all(score < now for _, score in expiries(harness)), "claims lapse with their worker"
    harness.queue.promote(now)
    for site in {site_of(url) for url in urls}:
        assert harness.store.redis.zcard(harness.keys.site_leases(site)) == 0
    return now


# -- 1. kill -9 in the middle of a batch ----------------------------------------------------


def test_a_worker_killed_mid_batch_loses_no_check_and_none_is_recorded_twice(
    harness: Harness, site: NewsSite
) -> None:
    """kill -9 while eight slow fetches are in flight: nothing was recorded, the claims stay
    leased until their live lease runs out (the worker no longer renews them, so long
    before the 10-minute lease), then another worker checks each article exactly once."""
    paths = [f"/killed/{n}" for n in range(8)]
    urls = [site.add(path, story(f"pier {n}", delay=STALL)) for n, path in enumerate(paths)]
    ids = [article_id(url) for url in urls]
    victim = harness.start_worker(
        REDLINE_LEASE=LONG_LEASE,
        REDLINE_PER_DOMAIN_CONCURRENCY="8",
        REDLINE_DOWNLOAD_TIMEOUT="60s",
    )
    harness.due(*urls)
    wait_while_running(
        harness,
        lambda: leased(harness) == set(ids) and site.in_flight == len(ids),
        what="every article claimed and its fetch in flight",
    )
    claimed = expiries(harness)
    wait_while_running(
        harness,
        lambda: min(score for _, score in expiries(harness)) > max(s for _, s in claimed),
        what="the worker to renew its claims while their fetches stall",
    )

    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert all(s.checks == 0 and s.versions == 0 for s in states(harness, urls))
    assert leased(harness) == set(ids), "the dead worker's claims stay leased a short while"
    assert ready(harness) == set()

    expire_leases(harness, urls)
    assert ready(harness) == set(ids)
    assert leased(harness) == set()
    for path in paths:
        site.edit(path, delay=0.0)
    rescuer = harness.start_worker(REDLINE_LEASE=LONG_LEASE, REDLINE_PER_DOMAIN_CONCURRENCY="8")

    def all_recorded() -> bool:
        return all(s.checks >= 1 for s in states(harness, urls)) and not leased(harness)

    wait_while_running(
        harness, all_recorded, 60, "the second worker to redo every check", [rescuer]
    )
    for url, path, state in zip(urls, paths, states(harness, urls), strict=True):
        assert (state.checks, state.versions, state.errors) == (1, 1, 0), url
        assert state.worker == worker_id(rescuer)
        assert [v.number for v in harness.store.versions(state.id)] == [0]
        assert site.count(path) == 2, "fetched by both workers, recorded once"
    assert leased(harness) == set()
    assert ready(harness) == set()
    assert harness.stop() == [0]


# -- 2. compare-and-set when workers race on the same articles -----------------------------


def edition(topic: str, n: int) -> Story:
    """Edition ``n`` of a slow article: every edition's text differs from the others'."""
    base = story(topic, delay=1.0)
    corrections = [
        f"Correction {k}: an earlier edition misstated the length of the {topic} wall as "
        f"{k * 100} metres."
        for k in range(1, n + 1)
    ]
    return replace(base, paragraphs=[*base.paragraphs, *corrections])


def test_workers_racing_on_the_same_articles_record_each_change_exactly_once(
    harness: Harness, site: NewsSite
) -> None:
    """Every round makes the articles due, then expires every lease while the (slow) fetches
    are in flight, so each article is fetched at least twice per round, by whichever
    workers claim it; the texts change only between rounds, once every fetch is recorded
    (or, finishing after a check claimed later than it, discarded as stale)."""
    rounds = 4
    # each article's own correction (one appended to several at once is held a check)
    topics = [f"{side} quay" for side in ("north", "south", "east", "west", "old", "new")]
    paths = [f"/race/{n}" for n in range(len(topics))]
    urls = [site.add(p, edition(t, 0)) for p, t in zip(paths, topics, strict=True)]
    ids = [article_id(url) for url in urls]
    for _ in range(3):
        harness.start_worker(
            REDLINE_LEASE=LONG_LEASE,
            REDLINE_CONCURRENCY="4",
            REDLINE_PER_DOMAIN_CONCURRENCY="16",
            REDLINE_AUTOTHROTTLE="false",
        )
    wait_until_started(harness)

    def handled() -> list[int]:
        """Per article: fetches recorded as checks or discarded as stale."""
        checks = [s.checks for s in states(harness, urls)]
        return [c + stale_discards(harness, url) for c, url in zip(checks, urls, strict=True)]

    def settled() -> bool:
        depth = harness.queue.depth(time.time())
        if depth.ready or depth.leased or site.in_flight:
            return False
        done = handled()  # read before the request counts: every fetch begun is handled
        return done == [site.count(path) for path in paths]

    for n in range(rounds):
        for path, topic in zip(paths, topics, strict=True):
            site.edit(path, paragraphs=edition(topic, n).paragraphs)
        harness.due(*urls)
        wait_while_running(
            harness,
            lambda: leased(harness) == set(ids) and site.in_flight == len(ids),
            what="every fetch of the round in flight",
        )
        harness.queue.promote(time.time() + LONG_LEASE_SECONDS + 1)
        wait_while_running(harness, settled, 60, f"round {n} to be recorded")

    assert handled() == [site.count(path) for path in paths], "every fetch handled once"

    for url, path, topic in zip(urls, paths, topics, strict=True):
        (state,) = states(harness, [url])
        versions = harness.store.versions(state.id)
        timeline = harness.store.timeline(state.id)
        assert site.count(path) >= 2 * rounds, "every round fetched it at least twice"
        assert [v.number for v in versions] == list(range(rounds))
        assert len({v.digest for v in versions}) == rounds
        assert [v.same_as for v in versions] == [None] * rounds
        assert versions[-1].article.paragraphs[-1] == edition(topic, rounds - 1).paragraphs[-1]
        assert (state.versions, state.events, state.digest) == (
            rounds,
            rounds - 1,
            versions[-1].digest,
        )
        assert [e.event.version for e in timeline] == list(range(1, rounds))
        assert [e.event.sequence for e in timeline] == list(range(1, rounds))
    assert harness.stop() == [0, 0, 0]


def test_a_fetch_that_outlived_its_lease_cannot_undo_a_newer_check(
    harness: Harness, site: NewsSite
) -> None:
    """A slow fetch reads the old text; its lease expires, the article is claimed again and
    the new text read (a candidate change); then the slow fetch finishes: it is discarded,
    not recorded as a return to the old text, and the next check confirms the change."""
    url = site.add("/stale", story("ferry"))
    worker = harness.start_worker(REDLINE_LEASE=LONG_LEASE, REDLINE_DOWNLOAD_TIMEOUT="60s")
    (first,) = harness.check(url)
    assert first.versions == 1
    site.edit("/stale", delay=5.0)
    harness.due(url)  # the fetch starts, and reads the text as it is now...
    wait_while_running(harness, lambda: site.in_flight == 1, what="the slow fetch to start")
    edited = [*sample_story("ferry").paragraphs, "The vote was later annulled by a court."]
    site.edit("/stale", delay=0.0, paragraphs=edited)
    harness.queue.promote(time.time() + LONG_LEASE_SECONDS + 1)  # ...and outlives its lease
    wait_while_running(
        harness,
        lambda: stale_discards(harness, url) == 1,
        what="the slow fetch to finish after the newer check",
    )
    (state,) = states(harness, [url])
    assert (state.checks, state.versions, state.candidate != "") == (3, 1, True)
    (state,) = harness.check(url)  # the confirming check

    versions = harness.store.versions(state.id)
    assert site.count("/stale") == 5  # the first version's confirming fetch is one
    assert (state.checks, state.versions, state.events) == (4, 2, 1)
    assert list(versions[-1].article.paragraphs) == edited, "the latest version is the page now"
    assert state.digest == versions[-1].digest
    assert [e.event.kinds for e in harness.store.timeline(state.id)] == [("body",)]
    assert state.worker == worker_id(worker)
    assert leased(harness) == set()
    assert harness.stop() == [0]


# -- one worker recording many checks at once -----------------------------------------------

# The pipeline records each fetch in a thread of asyncio's default executor (extraction and
# Redis calls block), so one worker packs and unpacks versions and events in several threads
# at once. A child process does the same, as fast as it can; it exits 0 only if every blob
# came back intact.
_CONCURRENT_CODEC = """
import os, sys, threading, time
from crawler.domain.codec import pack, unpack
from crawler.domain.models import Article, Version

paragraphs = tuple(f"Paragraph {n} of the story. " * 20 for n in range(30))
article = Article("Harbour wall", "Jane Reporter", paragraphs)
version = Version(0, 1.0, "0" * 40, article, "http://127.0.0.1/a", "test")
deadline = time.monotonic() + float(sys.argv[1])
failures = []

def record():
    while time.monotonic() < deadline:
        try:
            if unpack(Version, pack(version)) != version:
                failures.append("a different version came back")
        except Exception as exc:
            failures.append(repr(exc))

threads = [threading.Thread(target=record) for _ in range(min(32, (os.cpu_count() or 1) + 4))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(f"{len(failures)} failures", *failures[:3], sep="\\n")
sys.exit(1 if failures else 0)
"""


def test_versions_packed_by_concurrent_records_in_one_worker_stay_intact() -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CONCURRENT_CODEC, "2"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        timeout=60,
        check=False,
    )
    report = (child.stdout + child.stderr).decode(errors="replace")[-2000:]
    assert child.returncode == 0, report


# -- 3. several workers, one Redis: politeness holds across them ---------------------------


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_share_the_work_and_each_site_limit_holds_across_them(
    harness: Harness, site: NewsSite, other_site: NewsSite, workers: int
) -> None:
    """Two sites on different hosts (127.0.0.1 and localhost); at most 2 checks in flight
    per site from all workers together, yet both sites are fetched at the same time."""
    first = [site.add(f"/busy/{n}", story(f"dock {n}", delay=0.2)) for n in range(40)]
    for n in range(20):
        other_site.add(f"/calm/{n}", story(f"lock {n}", delay=0.2))
    port = other_site.server.server_address[1]
    second = [f"http://localhost:{port}/calm/{n}" for n in range(20)]
    processes = [
        harness.start_worker(
            REDLINE_PER_DOMAIN_CONCURRENCY="2",
            REDLINE_AUTOTHROTTLE="false",
            REDLINE_LEASE=LONG_LEASE,
        )
        for _ in range(workers)
    ]
    wait_until_started(harness)  # due only once all can claim, so that all get a share
    urls = first + second
    harness.due(*urls)
    wait_while_running(
        harness,
        lambda: site.in_flight + other_site.in_flight > 2,
        what="both sites to be fetched at once",
    )
    wait_while_running(
        harness, lambda: all(s.checks for s in states(harness, urls)), 60, "every check"
    )

    checked = states(harness, urls)
    assert all((s.checks, s.versions, s.errors) == (1, 1, 0) for s in checked)
    assert all(site.count(f"/busy/{n}") == 1 for n in range(40))
    assert all(other_site.count(f"/calm/{n}") == 1 for n in range(20))
    assert site.max_in_flight == 2
    assert other_site.max_in_flight == 2
    assert {s.site for s in checked} == {site_of(first[0]), site_of(second[0])}
    by = {s.worker for s in checked}
    assert by <= {worker_id(p) for p in processes}
    assert len(by) >= 2, f"one worker did all the work: {by}"
    assert leased(harness) == set()
    assert harness.stop() == [0] * workers


# -- 4. SIGTERM --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "timeout", "recorded"),
    [
        pytest.param(2.0, "60s", True, id="slow-fetch-finishes"),
        pytest.param(STALL, "3s", False, id="stalled-fetch-times-out"),
    ],
)
def test_sigterm_finishes_the_fetches_in_flight_within_the_download_timeout(
    harness: Harness, site: NewsSite, delay: float, timeout: str, recorded: bool
) -> None:
    """Scrapy's first SIGTERM stops claiming and waits for the downloads in flight, so how
    long a worker takes to stop is bounded by the download timeout, not by the site: a fetch
    that answers in time is recorded as a version, a stalled one as a timed-out check. Then
    it exits 0. Due articles it had not claimed stay ready for other workers."""
    urls = [site.add(f"/term/{n}", story(f"bridge {n}", delay=delay)) for n in range(4)]
    ids = [article_id(url) for url in urls]
    worker = harness.start_worker(
        REDLINE_LEASE=LONG_LEASE,
        REDLINE_PER_DOMAIN_CONCURRENCY="2",
        REDLINE_DOWNLOAD_TIMEOUT=timeout,
    )
    harness.due(*urls)
    wait_for(
        lambda: len(leased(harness)) == 2 and site.in_flight == 2, what="two fetches in flight"
    )
    claimed = leased(harness)

    asked = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    took = time.monotonic() - asked
    assert took < 15, f"the worker took {took:.1f}s to stop"

    assert "shutting down gracefully" in log_of(harness, 0)
    by_id = {s.id: s for s in states(harness, urls)}
    for article in claimed:
        state = by_id[article]
        assert state.checks == 1
        if recorded:
            assert (state.versions, state.errors) == (1, 0)
        else:
            assert (state.versions, state.errors) == (0, 1)
            assert "took longer than 3.0 seconds" in state.last_error
    assert all(by_id[i].checks == 0 for i in ids if i not in claimed)
    assert leased(harness) == set()
    assert ready(harness) == set(ids) - claimed
    assert harness.store.redis.zcard(harness.keys.site_leases(site_of(urls[0]))) == 0


def test_a_second_sigterm_stops_at_once_and_leaves_the_claims_to_expire(
    harness: Harness, site: NewsSite
) -> None:
    """A second SIGTERM makes Scrapy stop the reactor at once: the fetches in flight are
    abandoned, nothing is recorded and the claims are not handed back; they go back to the
    ready queue when their leases expire."""
    urls = [site.add(f"/force/{n}", story(f"tunnel {n}", delay=STALL)) for n in range(4)]
    ids = [article_id(url) for url in urls]
    worker = harness.start_worker(
        REDLINE_LEASE=LONG_LEASE,
        REDLINE_PER_DOMAIN_CONCURRENCY="2",
        REDLINE_DOWNLOAD_TIMEOUT="60s",
    )
    harness.due(*urls)
    wait_for(
        lambda: len(leased(harness)) == 2 and site.in_flight == 2, what="two fetches in flight"
    )
    claimed = leased(harness)

    asked = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    wait_for(
        lambda: "shutting down gracefully" in log_of(harness, 0),
        what="the worker to begin its graceful shutdown",
    )
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=60)
    took = time.monotonic() - asked
    assert took < 10, f"the worker took {took:.1f}s to stop"
    assert "forcing unclean shutdown" in log_of(harness, 0)
    assert code == 0  # Scrapy returns normally from an unclean shutdown too

    assert all(s.checks == 0 for s in states(harness, urls))
    assert leased(harness) == claimed, "unfinished claims are not handed back"
    assert ready(harness) == set(ids) - claimed
    expire_leases(harness, urls)
    assert ready(harness) == set(ids)
    assert leased(harness) == set()


# -- 5. Redis goes away and comes back -----------------------------------------------------


def test_a_worker_rides_out_a_redis_restart_and_no_version_is_lost(
    own_harness: Harness, own_redis: EmbeddedRedis, site: NewsSite
) -> None:
    """Redis is shut down cleanly (``SHUTDOWN`` writes the append-only file) and started
    again on the same state directory while the worker runs; the worker is never restarted."""
    url = site.add("/restart", story("lighthouse"))
    worker = own_harness.start_worker()
    (first,) = own_harness.check(url)
    before = own_harness.store.versions(first.id)
    assert len(before) == 1

    own_redis.stop()
    with pytest.raises(RedisUnavailableError):
        connect(own_redis.url)
    wait_while_running(
        own_harness,
        lambda: "cannot claim work from Redis" in log_of(own_harness, 0),
        what="the worker to notice that Redis is gone",
    )
    own_redis.start()
    assert own_redis.owner
    assert worker.poll() is None, "the worker kept running while Redis was away"

    edited = [*sample_story("lighthouse").paragraphs, "Work on the lighthouse starts in May."]
    site.edit("/restart", paragraphs=edited)
    own_harness.due(url)  # the harness's own client reconnects by itself too
    wait_while_running(
        own_harness,
        lambda: states(own_harness, [url])[0].checks == 3,  # after the first version's two
        60,
        "the worker to check the article again after the restart",
    )
    (state,) = own_harness.check(url)  # the check that confirms the change
    versions = own_harness.store.versions(state.id)
    assert (state.checks, state.versions, state.errors) == (4, 2, 0)
    assert versions[0] == before[0], "the version recorded before the restart is intact"
    assert list(versions[1].article.paragraphs) == edited
    assert [e.event.version for e in own_harness.store.timeline(state.id)] == [1]
    assert state.worker == worker_id(worker)
    assert own_harness.stop() == [0]


# How long Redis stays stopped in the middle of a crawl.
OUTAGE = 30.0
# A clock that checks every article every two seconds and never calls one stable.
BUSY_CLOCK = {
    "REDLINE_CLOCK_TICK": "100ms",
    "REDLINE_INITIAL_INTERVAL": "2s",
    "REDLINE_BACKOFF_FACTOR": "1",
    "REDLINE_MAX_INTERVAL": "2s",
    "REDLINE_STABILITY_WINDOW": "1h",
    "REDLINE_RETRY_INTERVAL": "1s",
    "REDLINE_CONFIRM_DELAY": "1s",
}


def test_redis_stopped_for_30_seconds_mid_crawl_loses_nothing_and_records_nothing_twice(
    own_harness: Harness, own_redis: EmbeddedRedis, site: NewsSite
) -> None:
    """A clock and two workers crawl twelve articles every two seconds. Half are edited,
    Redis is stopped while fetches are in flight and kept down for 30 s, during which the
    other half are edited; then it starts again. No process exits, every version recorded
    before the stop is still there, each edit is recorded exactly once, the fetches in
    flight at the stop are held and recorded once Redis is back (not left for their claims,
    ten minutes long, to expire), and the clock's schedule goes on checking every article."""
    paths = [f"/outage/{n}" for n in range(12)]
    urls = [site.add(p, story(f"canal {n}", delay=0.3)) for n, p in enumerate(paths)]
    ids = [article_id(url) for url in urls]
    store = own_harness.store
    own_harness.start_clock(urls, **BUSY_CLOCK)
    for _ in range(2):
        own_harness.start_worker(REDLINE_PER_DOMAIN_CONCURRENCY="4")
    processes = own_harness.processes

    def versions_are(counts: list[int]) -> bool:
        return [s.versions for s in map(store.load, ids) if s] == counts

    wait_while_running(
        own_harness, lambda: versions_are([1] * 12), 60, "every first version", processes
    )
    before = {i: store.versions(i) for i in ids}

    def edit(path: str) -> list[str]:
        n = paths.index(path)
        paragraphs = [*story(f"canal {n}").paragraphs, f"Correction: lock {n} opens in June."]
        site.edit(path, paragraphs=paragraphs)
        return paragraphs

    edited = {path: edit(path) for path in paths[:6]}
    wait_for(lambda: site.in_flight, what="a fetch in flight")
    own_redis.stop()
    stopped = time.monotonic()
    edited |= {path: edit(path) for path in paths[6:]}
    wait_for(
        lambda: (
            "cannot claim work from Redis" in log_of(own_harness, 0)
            and "cannot run the clock" in (own_harness.tmp_path / "clock.log").read_text()
        ),
        what="the clock and the workers to notice that Redis is gone",
    )
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))  # the outage itself
    assert [p.poll() for p in processes] == [None] * 3, "every process waited for Redis"
    own_redis.start()
    restarted = time.time()

    def edits_recorded() -> bool:
        states = [s for s in map(store.load, ids) if s]
        return all(s.versions == 2 and (s.last_check or 0) > restarted + 4 for s in states)

    wait_while_running(
        own_harness, edits_recorded, 90, "every edit, and checks after the restart", processes
    )
    logs = "".join(log_of(own_harness, n) for n in range(2))
    assert "Redis is back: can record checks again" in logs, "a fetch was held meanwhile"
    for n, (article, path) in enumerate(zip(ids, paths, strict=True)):
        versions = store.versions(article)
        assert versions[0] == before[article][0], f"article {n}: the first version is intact"
        assert [v.number for v in versions] == [0, 1]
        assert list(versions[1].article.paragraphs) == edited[path]
        assert [e.event.version for e in store.timeline(article)] == [1], "recorded once"
    assert own_harness.stop() == [0, 0, 0]


# -- 6. the disk under the embedded Redis fills up -------------------------------------------

# The size of the small disk the embedded Redis is given.
SMALL_DISK = "16m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs of the test's own, mounted under ``tmp_path`` (this needs root, which
    CI has; elsewhere the test is skipped)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK},mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small disk: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Writes a file that takes every free byte of ``disk``; returns it.

    Redis writes to the same disk meanwhile, so the file is written until the disk refuses
    (not up to a size read beforehand, which Redis may have taken a part of), and topped
    up if space was freed in the meantime."""
    filler = disk / "filler"
    chunk = bytes(1 << 16)
    with filler.open("ab", buffering=0) as out:
        while shutil.disk_usage(disk).free:
            try:
                while True:
                    out.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def status_of(harness: Harness) -> str:
    """What ``redline status`` prints about the harness's Redis and prefix."""
    done = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "status"],
        env={
            **os.environ,
            "REDLINE_CONFIG": "",
            "REDIS_URL": harness.redis_url,
            "REDLINE_REDIS_PREFIX": harness.keys.prefix,
        },
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode()


def test_a_full_disk_is_reported_and_redline_recovers_when_space_returns(
    small_disk: Path, site: NewsSite, tmp_path: Path
) -> None:
    """The embedded Redis keeps its data on a small disk, which is filled while a clock and
    a worker crawl. Redis refuses changes; the clock, the worker (recording a fetch that was
    in flight) and ``redline status`` say the disk failed, and nothing exits. Edits are
    recorded exactly once as soon as space returns. Then the disk is filled again and
    Redis asked to stop: it is left running rather than lose a change it acknowledged,
    writes it once space returns, and everything loads intact after a restart."""
    state_dir = small_disk / "state"
    server = EmbeddedRedis(state_dir)
    server.start()
    harness = Harness(server.url, tmp_path)
    try:
        paths = [f"/full/{n}" for n in range(6)]
        urls = [site.add(p, story(f"weir {n}", delay=1.0)) for n, p in enumerate(paths)]
        ids = [article_id(url) for url in urls]
        store = harness.store
        harness.start_worker()
        harness.start_clock(urls, **BUSY_CLOCK)
        processes = harness.processes
        wait_while_running(
            harness,
            lambda: all(s and s.versions == 1 for s in map(store.load, ids)),
            60,
            "every first version",
            processes,
        )
        before = {i: store.versions(i) for i in ids}
        assert "redis:" not in status_of(harness)

        # The disk fills while the articles are being edited and checked.
        edited = {}
        for n, path in enumerate(paths):
            edited[path] = [*story(f"weir {n}").paragraphs, f"The weir {n} reopens in May."]
            site.edit(path, paragraphs=edited[path])
        wait_for(lambda: site.in_flight, what="a fetch in flight")  # to be recorded...
        filler = fill(small_disk)  # ...just after the disk fills
        refused = "Redis cannot write to its disk (is it full?)"
        wait_while_running(
            harness,
            lambda: (
                f"cannot record checks (Redis unavailable for 0s; retrying): {refused}"
                in log_of(harness, 0)
                and refused in (tmp_path / "clock.log").read_text()
            ),
            60,
            "the worker and the clock to say that Redis cannot write",
            processes,
        )
        assert "redis: Redis failed at writing its append-only file (is its disk full?)" in (
            status_of(harness)
        )
        assert [p.poll() for p in processes] == [None, None]

        # Space returns.
        filler.unlink()
        wait_while_running(
            harness,
            lambda: all(s and s.versions == 2 for s in map(store.load, ids)),
            60,
            "every edit, once space returned",
            processes,
        )
        assert "Redis is back: can record checks again" in log_of(harness, 0)
        assert "redis:" not in status_of(harness)
        recorded = {i: store.versions(i) for i in ids}
        for article, path in zip(ids, paths, strict=True):
            assert recorded[article][0] == before[article][0]
            assert list(recorded[article][1].article.paragraphs) == edited[path]
            assert [e.event.version for e in store.timeline(article)] == [1], "recorded once"
        assert harness.stop() == [0, 0]

        # Full again, and asked to stop.
        filler = fill(small_disk)
        marker = b"acknowledged while full " * 1000  # more than the last page's slack
        store.redis.set(harness.keys.prefix + "marker", marker)
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            store.redis.set(harness.keys.prefix + "refused", marker)
        server.stop()
        left = server.left_running
        assert left is not None, "a server holding unwritten changes is left running"
        assert left.poll() is None
        filler.unlink()
        wait_for(
            lambda: not disk_problem(store.redis.info("persistence")),
            what="Redis to write what it holds",
        )
        adopted = EmbeddedRedis(state_dir)
        adopted.start()
        assert adopted.owner, "the next start adopts it"
        adopted.stop()
        assert left.wait(timeout=30) == 0, "then it stops cleanly"
        server.start()
        reopened = ArticleStore(connect(server.url), harness.keys)
        assert {i: reopened.versions(i) for i in ids} == recorded, "the disk's data is intact"
        assert reopened.redis.get(harness.keys.prefix + "marker") == marker
    finally:
        _finish(harness)
        server.stop()
        if server.left_running is not None and server.left_running.poll() is None:
            server.left_running.kill()
            server.left_running.wait()
