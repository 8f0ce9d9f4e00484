"""The clock against a real redis-server: config hot reload, due work, one clock at a time."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING

import pytest

from crawler.domain.identity import article_id
from crawler.domain.models import Status
from crawler.store.shared import SharedConfig
from scheduler.clock import Clock, ClockLock, holder_text
from scheduler.config import load_settings
from tests.conftest import wait_for

if TYPE_CHECKING:
    from pathlib import Path

    import redis

    from crawler.store.articles import ArticleStore
    from crawler.store.keys import Keys
    from crawler.store.queue import DueQueue


URL_A = "https://a.example/1"
URL_B = "https://b.example/2"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    urls = tmp_path / "urls.txt"
    config = tmp_path / "redline.toml"
    config.write_text(f'urls_file = "{urls}"\ninitial_interval = "10m"\n')
    urls.write_text("https://a.example/1\n")
    return config, urls


def make_clock(config: Path, redis_conn: redis.Redis) -> Clock:
    return Clock(load_settings(config, {}), redis_conn, config_arg=str(config), env={})


def touch(path: Path, text: str) -> None:
    """Rewrites a file so that its modification time certainly changes."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_edits_to_the_urls_file_are_picked_up_on_the_next_tick(
    files: tuple[Path, Path], redis_conn: redis.Redis, store: ArticleStore, keys: Keys
) -> None:
    config, urls = files
    clock = make_clock(config, redis_conn)
    assert clock.tick(now=100.0) == 1
    assert store.tracked_ids() == {article_id("https://a.example/1")}
    assert clock.sync_config(now=101.0) is False  # nothing changed: nothing reloaded

    touch(urls, "https://b.example/2\nnot-a-url\nhttps://c.example/3\n")
    assert clock.tick(now=102.0) == 2
    ids = {article_id("https://b.example/2"), article_id("https://c.example/3")}
    assert store.tracked_ids() == ids
    untracked = store.load(article_id("https://a.example/1"))
    assert untracked is not None
    assert untracked.status is Status.UNTRACKED
    problems = redis_conn.hget(keys.config, "problems")
    assert problems is not None
    assert b"urls.txt:2" in problems


def test_a_missing_or_empty_urls_file_says_how_to_add_urls(
    files: tuple[Path, Path], redis_conn: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    config, urls = files
    urls.unlink()
    with caplog.at_level(logging.INFO, logger="scheduler.clock"):
        make_clock(config, redis_conn).sync_config(now=100.0)
    assert f"{urls} does not exist: add article URLs with `redline add URL`" in caplog.text
    assert "loaded" not in caplog.text
    caplog.clear()
    urls.write_text("# nothing yet\n")
    with caplog.at_level(logging.INFO, logger="scheduler.clock"):
        make_clock(config, redis_conn).sync_config(now=101.0)
    assert "no article URLs to track: add them with `redline add URL`" in caplog.text
    assert "or try `redline demo`" in caplog.text


def test_policy_changes_are_published_for_workers(
    files: tuple[Path, Path], redis_conn: redis.Redis, queue: DueQueue
) -> None:
    config, _ = files
    clock = make_clock(config, redis_conn)
    clock.tick(now=0.0)
    assert SharedConfig(redis_conn, queue.keys).for_source("").policy.initial_interval == 600
    touch(config, config.read_text().replace('"10m"', '"2m"'))
    clock.tick(now=1.0)
    assert SharedConfig(redis_conn, queue.keys).for_source("").policy.initial_interval == 120


def test_a_broken_settings_file_keeps_the_previous_settings(
    files: tuple[Path, Path],
    redis_conn: redis.Redis,
    queue: DueQueue,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config, _ = files
    clock = make_clock(config, redis_conn)
    clock.tick(now=0.0)
    touch(config, "initial_interval = [\n")
    clock.tick(now=1.0)
    assert SharedConfig(redis_conn, queue.keys).for_source("").policy.initial_interval == 600
    assert "not valid TOML" in caplog.text


def test_only_one_clock_holds_the_lock(redis_conn: redis.Redis, keys: Keys) -> None:
    first = ClockLock(redis_conn, keys.clock_lock, ttl=5)
    second = ClockLock(redis_conn, keys.clock_lock, ttl=5)
    assert first.acquire()
    assert not second.acquire()
    assert not second.renew()
    second.release()  # not the holder: no effect
    assert first.renew()
    # `redline status` says where the clock runs, not its lock's token
    assert holder_text(first.holder()) == f"running on {os.uname().nodename} (pid {os.getpid()})"
    first.release()
    assert holder_text(first.holder()) == ""
    assert second.acquire()


def test_a_second_clock_stands_by_until_the_first_stops(
    files: tuple[Path, Path], redis_conn: redis.Redis, keys: Keys
) -> None:
    config, _ = files
    first, second = make_clock(config, redis_conn), make_clock(config, redis_conn)
    stop_first, stop_second = threading.Event(), threading.Event()
    runner = threading.Thread(target=first.run, args=(stop_first,))
    runner.start()
    wait_for(lambda: redis_conn.get(keys.clock_lock) == first.lock.token.encode())
    standby = threading.Thread(target=second.run, args=(stop_second,))
    standby.start()
    wait_for(lambda: redis_conn.hget(keys.config, "tracked") == b"1", what="first clock's sync")
    assert redis_conn.get(keys.clock_lock) == first.lock.token.encode()
    stop_first.set()
    runner.join()
    wait_for(
        lambda: redis_conn.get(keys.clock_lock) == second.lock.token.encode(),
        what="the standby clock to take over",
    )
    stop_second.set()
    standby.join()
    assert redis_conn.get(keys.clock_lock) is None


def test_the_running_clock_does_each_duty_as_a_job_of_its_own(
    files: tuple[Path, Path], redis_conn: redis.Redis, store: ArticleStore, keys: Keys
) -> None:
    config, urls = files
    config.write_text(config.read_text() + 'clock_tick = "0.05s"\n')
    clock = make_clock(config, redis_conn)
    assert {name: every for name, _, every in clock.duties()} == {
        "maintain": 60.0,
        "reload": 0.05,
        "promote": 0.05,
        "health": 60.0,
    }
    stop = threading.Event()
    runner = threading.Thread(target=clock.run, args=(stop,))
    runner.start()
    try:
        wait_for(lambda: store.tracked_ids() == {article_id(URL_A)}, what="the first reload")
        touch(urls, "https://b.example/2\n")
        wait_for(lambda: store.tracked_ids() == {article_id(URL_B)}, what="the reload job")
        # The new article is due at once: the promote job hands it to the workers.
        wait_for(lambda: redis_conn.zscore(keys.ready, article_id(URL_B)) is not None)
    finally:
        stop.set()
        runner.join()
    assert redis_conn.get(keys.clock_lock) is None


def test_a_clock_that_loses_its_lock_stops_its_jobs_and_waits_to_take_it_back(
    files: tuple[Path, Path],
    redis_conn: redis.Redis,
    store: ArticleStore,
    keys: Keys,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config, urls = files
    config.write_text(config.read_text() + 'clock_tick = "0.05s"\n')
    clock = make_clock(config, redis_conn)
    stop = threading.Event()
    runner = threading.Thread(target=clock.run, args=(stop,))
    with caplog.at_level(logging.INFO, logger="scheduler.clock"):
        runner.start()
        try:
            wait_for(lambda: store.tracked_ids() == {article_id(URL_A)}, what="the first reload")
            redis_conn.set(keys.clock_lock, "elsewhere:1:token", px=3000)  # another clock
            wait_for(lambda: "lost the clock lock" in caplog.text, what="the lost lock")
            touch(urls, "https://b.example/2\n")  # no job of this clock reloads it now
            wait_for(
                lambda: redis_conn.get(keys.clock_lock) == clock.lock.token.encode(),
                timeout=10.0,
                what="the lock to be taken back once the other holder's lapses",
            )
            wait_for(lambda: store.tracked_ids() == {article_id(URL_B)}, what="the reload")
        finally:
            stop.set()
            runner.join()
