"""A store's Lua script costs one command, alone or in a pipeline (a real Redis)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.store.lua import Lua

if TYPE_CHECKING:
    import redis

INCREMENT = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


def _script_questions(redis_conn: redis.Redis) -> int:
    """How many SCRIPT commands (EXISTS, LOAD ...) Redis has run."""
    stats = redis_conn.info("commandstats")
    named = ("cmdstat_script", "cmdstat_script|exists")  # Redis 6, Redis 7
    return sum(int(stats.get(name, {}).get("calls", 0)) for name in named)


def test_a_script_queued_on_a_pipeline_asks_redis_nothing_first(redis_conn: redis.Redis) -> None:
    script = Lua(redis_conn, INCREMENT)
    asked = _script_questions(redis_conn)
    for n in range(1, 4):
        with redis_conn.pipeline() as pipe:
            pipe.set("lua:other", 1)
            script(keys=["lua:counter"], args=[2], client=pipe)
            assert pipe.execute() == [True, 2 * n]
    assert _script_questions(redis_conn) == asked


def test_a_script_run_alone_is_loaded_again_when_redis_lost_it(redis_conn: redis.Redis) -> None:
    script = Lua(redis_conn, INCREMENT)
    assert script(keys=["lua:alone"], args=[5]) == 5
    redis_conn.script_flush()
    assert script(keys=["lua:alone"], args=[1]) == 6
