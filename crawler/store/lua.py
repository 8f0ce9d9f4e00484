"""Lua scripts run by the stores: each one command, whether sent alone or queued in a
pipeline.

redis-py runs a registered script by its SHA and loads it again when a restarted Redis
lost it; but a pipeline holding one first asks Redis whether its scripts exist, one more
round trip each time it is executed. A check's transaction runs scripts on every check,
so queued on a pipeline a script is sent whole (``EVAL``: Redis keeps it compiled, by its
SHA, after the first time), and needs no question first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redis.client import Pipeline

if TYPE_CHECKING:
    from collections.abc import Sequence

    from redis import Redis
    from redis.commands.core import Script


class Lua:
    """A Lua script of a store.

    Args:
        redis: The client it runs on when no pipeline is given.
        text: The script.
    """

    def __init__(self, redis: Redis, text: str) -> None:
        self._body = text.encode()  # sent as it is, not encoded again on every call
        self._script: Script = redis.register_script(text)

    def __call__(
        self,
        keys: Sequence[str | bytes] = (),
        args: Sequence[Any] = (),
        client: Redis | Pipeline | None = None,
    ) -> Any:
        """Runs the script, or queues it on ``client`` when that is a pipeline (the reply
        then comes with the pipeline's)."""
        if isinstance(client, Pipeline):
            return client.eval(self._body, len(keys), *keys, *args)  # type: ignore[arg-type]
        return self._script(keys=list(keys), args=list(args), client=client)
