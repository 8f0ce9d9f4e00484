"""How redline tells a Redis outage from a wrong command, and how it reports one."""

from __future__ import annotations

import logging

import pytest
import redis

from crawler.store.connection import (
    OUTAGE_REMINDER,
    Outage,
    RedisUnavailableError,
    connect,
    describe,
    disk_problem,
    unavailable,
)

DISK_FULL = "MISCONF Errors writing to the AOF file: No space left on device"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (redis.ConnectionError("Error 111 connecting"), True),
        (redis.TimeoutError("Timeout reading from socket"), True),
        (redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"), True),
        (redis.exceptions.OutOfMemoryError("command not allowed when used memory"), True),
        (redis.exceptions.ReadOnlyError("You can't write against a read only replica."), True),
        (redis.ResponseError(DISK_FULL), True),
        (
            redis.ResponseError(f"Command # 2 (HSET a b c) of pipeline caused error: {DISK_FULL}"),
            True,
        ),
        (redis.ResponseError("WRONGTYPE Operation against a key holding the wrong kind"), False),
        (redis.exceptions.NoScriptError("No matching script"), False),
        (redis.AuthenticationError("invalid password"), True),
    ],
)
def test_an_outage_is_told_from_a_wrong_command(error: redis.RedisError, expected: bool) -> None:
    assert unavailable(error) is expected


def test_a_refusal_to_write_says_the_disk_failed() -> None:
    text = describe(redis.ResponseError(DISK_FULL))
    assert text.startswith("Redis cannot write to its disk (is it full?)")
    assert "No space left on device" in text
    assert describe(redis.ConnectionError()) == "ConnectionError"


def test_an_outage_is_logged_when_it_starts_now_and_then_and_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = Outage(logging.getLogger("test.outage"), "claim work")
    gone = redis.ConnectionError("Error 2")
    with caplog.at_level(logging.WARNING, "test.outage"):
        for second in range(int(OUTAGE_REMINDER) * 2 + 5):
            outage.failed(gone, 1000.0 + second)
        outage.succeeded(1000.0 + OUTAGE_REMINDER * 2 + 5)
        outage.succeeded(1000.0 + OUTAGE_REMINDER * 2 + 6)
    assert caplog.messages == [
        "cannot claim work (Redis unavailable for 0s; retrying): Error 2",
        "cannot claim work (Redis unavailable for 60s; retrying): Error 2",
        "cannot claim work (Redis unavailable for 120s; retrying): Error 2",
        "Redis is back: can claim work again after 125s",
    ]


def test_a_server_that_cannot_write_to_its_disk_says_what_failed() -> None:
    healthy = {"aof_last_write_status": "ok", "rdb_last_bgsave_status": "ok", "loading": 0}
    assert disk_problem(healthy) == ""
    assert disk_problem({}) == ""
    assert disk_problem({**healthy, "aof_last_write_status": "err"}) == (
        "Redis failed at writing its append-only file (is its disk full?)"
    )
    both = {**healthy, "aof_last_write_status": "err", "rdb_last_bgsave_status": "err"}
    assert disk_problem(both) == (
        "Redis failed at writing its append-only file and saving its snapshot (is its disk full?)"
    )


def test_a_redis_that_does_not_answer_is_told_at_once_then_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = "redis://:hunter2@127.0.0.1:1/0"  # nobody listens on port 1
    with (
        caplog.at_level(logging.WARNING, logger="crawler.store.connection"),
        pytest.raises(RedisUnavailableError, match=r"waited 0\.5s"),
    ):
        connect(url, wait=0.5, waiting_hint="is its server running?")
    told = [r for r in caplog.records if "cannot reach Redis" in r.getMessage()]
    assert len(told) == 1  # once, as soon as the first try failed
    assert "trying for up to 0.5s: is its server running?" in told[0].getMessage()
    assert "hunter2" not in caplog.text
