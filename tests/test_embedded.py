"""The embedded Redis: a real server under the state directory, persistent and shared."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
import redis

from crawler.store.connection import RedisUnavailableError, connect, embedded_url, redact
from scheduler.embedded import EmbeddedRedis

if TYPE_CHECKING:
    from pathlib import Path


def test_data_survives_a_restart_and_the_server_is_shared(tmp_path: Path) -> None:
    state = tmp_path / "var"
    with EmbeddedRedis(state) as server:
        assert server.owner
        connect(server.url).set("k", "kept")
        with EmbeddedRedis(state) as second:
            assert not second.owner
            assert connect(second.url).get("k") == b"kept"
        assert connect(server.url).get("k") == b"kept"  # the sharer left it running
    assert (state / "appendonly.aof").exists()
    with pytest.raises(RedisUnavailableError):
        connect(server.url)
    assert oct((state / "redis.conf").stat().st_mode & 0o777) == "0o600"
    assert oct(state.stat().st_mode & 0o777) == "0o700"  # data, AOF and socket: ours only
    with EmbeddedRedis(state) as server:
        assert connect(server.url).get("k") == b"kept"


def test_a_server_orphaned_by_a_killed_owner_is_adopted(tmp_path: Path) -> None:
    state = tmp_path / "var"
    env = {**os.environ, "REDLINE_STATE_DIR": str(state), "REDLINE_CONFIG": ""}
    owner = subprocess.Popen([sys.executable, "-m", "scheduler.cli", "redis"], env=env)
    try:
        conn = connect(embedded_url(state), wait=20)
        conn.set("k", "v")
    finally:
        owner.kill()  # kill -9: no chance to shut its server down
        owner.wait()
    with EmbeddedRedis(state) as adopter:
        assert adopter.owner
        assert connect(adopter.url).get("k") == b"v"
    with pytest.raises(RedisUnavailableError):
        connect(adopter.url)


def test_an_unreachable_url_fails_clearly_without_showing_the_password() -> None:
    url = "redis://:s3cret@127.0.0.1:1/0"
    with pytest.raises(RedisUnavailableError) as error:
        connect(url, wait=0.3)
    assert "127.0.0.1:1" in str(error.value)
    assert "s3cret" not in str(error.value)
    assert redact(url) == "redis://:***@127.0.0.1:1/0"


def test_a_wrong_password_fails_at_once(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path / "var") as server:
        redis.Redis.from_url(server.url).config_set("requirepass", "right")
        wrong = server.url.replace("unix://", "unix://:Pw-xyzzy@")
        with pytest.raises(RedisUnavailableError, match="refused") as error:
            connect(wrong, wait=10)
        assert "xyzzy" not in str(error.value)
        right = connect(server.url.replace("unix://", "unix://:right@"))
        assert right.ping()
        right.config_set("requirepass", "")


def test_not_a_redis_url_is_refused() -> None:
    with pytest.raises(RedisUnavailableError, match="not a Redis URL"):
        connect("http://localhost:6379")
