"""Shared fixtures: one real redis-server for the session, an empty database per test, and
local news sites on 127.0.0.1."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.keys import Keys
from crawler.store.queue import DueQueue
from scheduler.embedded import EmbeddedRedis
from tests.sites import NewsSite

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import redis

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# The test sites listen on 127.0.0.1, which redline refuses to fetch by default
# (crawler.guard): every redline process the tests start may fetch from private networks,
# unless a test says otherwise.
os.environ["REDLINE_ALLOW_PRIVATE_NETWORKS"] = "true"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (the embedded build) for the whole test session."""
    with EmbeddedRedis(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[redis.Redis]:
    """A client on an empty database."""
    conn = connect(redis_url)
    conn.flushdb()
    yield conn
    conn.close()


@pytest.fixture
def keys() -> Keys:
    return Keys("redline:")


@pytest.fixture
def store(redis_conn: redis.Redis, keys: Keys) -> ArticleStore:
    return ArticleStore(redis_conn, keys)


@pytest.fixture
def queue(redis_conn: redis.Redis, keys: Keys) -> DueQueue:
    return DueQueue(redis_conn, keys)


@pytest.fixture
def site() -> Iterator[NewsSite]:
    """A local news site on 127.0.0.1."""
    news = NewsSite().start()
    yield news
    news.stop()


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    """Polls ``condition`` until it returns something truthy; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.05)
