"""The due queue: how checks move from the schedule to workers, atomically, in Redis.

An article id lives in exactly one of three sorted sets at a time (see :mod:`crawler.keys`):

- ``schedule``: not yet due, scored by when it is due;
- ``ready``: due, waiting for a worker, scored by when it became due (oldest first);
- ``leases``: claimed by a worker, scored by when the claim expires.

The clock moves due ids from ``schedule`` to ``ready`` and expired leases back to ``ready``
(:meth:`DueQueue.promote`); workers pop from ``ready`` into ``leases``
(:meth:`DueQueue.claim`); recording a check removes the lease and re-schedules the article
(:meth:`crawler.store.ArticleStore.record`). Each step is one Lua script, so it costs time
in proportion to the ids it moves, never to the number of articles tracked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.codec import as_text, from_json, to_json
from crawler.models import Claim
from scheduler.policy import RecheckPolicy

if TYPE_CHECKING:
    from redis import Redis

    from crawler.keys import Keys

# KEYS: schedule, ready, leases. ARGV: now, limit.
# Moves up to `limit` due ids from the schedule, and up to `limit` expired leases, to ready.
_PROMOTE = """
local moved = 0
for _, source in ipairs({KEYS[1], KEYS[3]}) do
  local ids = redis.call('ZRANGEBYSCORE', source, '-inf', ARGV[1],
                         'WITHSCORES', 'LIMIT', 0, ARGV[2])
  for i = 1, #ids, 2 do
    redis.call('ZREM', source, ids[i])
    redis.call('ZADD', KEYS[2], 'NX', ids[i + 1], ids[i])
  end
  moved = moved + #ids / 2
end
return moved
"""

# KEYS: ready, leases. ARGV: now, count, lease seconds, article key prefix.
# Pops up to `count` ready ids, leases them, and returns id, url, etag, last_modified
# for each article still meant to be fetched.
_CLAIM = """
local out = {}
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[2])
for i = 1, #popped, 2 do
  local id = popped[i]
  local fields = redis.call('HMGET', ARGV[4] .. id,
                            'url', 'location', 'etag', 'last_modified', 'status')
  local status = fields[5]
  if fields[1] and status ~= 'removed' and status ~= 'stable' then
    redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[3]), id)
    local url = fields[1]
    if fields[2] and fields[2] ~= '' then url = fields[2] end
    table.insert(out, id)
    table.insert(out, url)
    table.insert(out, fields[3] or '')
    table.insert(out, fields[4] or '')
  end
end
return out
"""

# KEYS: leases, ready. ARGV: now, ids...
# Gives claimed ids back (a worker shutting down): they are due again at once.
_RELEASE = """
local released = 0
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[1], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[i])
    released = released + 1
  end
end
return released
"""


class DueQueue:
    """Moves article ids between the schedule, the ready queue and worker leases.

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._promote = redis.register_script(_PROMOTE)
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)

    def promote(self, now: float, limit: int = 1000) -> int:
        """Moves everything due by ``now`` into the ready queue (the clock's step).

        Returns:
            How many ids were moved.
        """
        total = 0
        while True:
            moved = int(
                self._promote(
                    keys=[self.keys.schedule, self.keys.ready, self.keys.leases],
                    args=[now, limit],
                )
            )
            total += moved
            if moved < limit:
                return total

    def claim(self, now: float, count: int, lease: float) -> list[Claim]:
        """Claims up to ``count`` due articles for ``lease`` seconds, oldest due first.

        A claim that is not recorded before its lease expires is given to another worker.
        Articles removed or stable since they became due are dropped, not returned.
        """
        reply = self._claim(
            keys=[self.keys.ready, self.keys.leases],
            args=[now, count, lease, self.keys.article_prefix],
        )
        fields = [as_text(value) for value in reply]
        return [Claim(*fields[i : i + 4]) for i in range(0, len(fields), 4)]

    def release(self, article_ids: list[str], now: float) -> int:
        """Gives claimed articles back to the ready queue, due at ``now``."""
        if not article_ids:
            return 0
        return int(
            self._release(keys=[self.keys.leases, self.keys.ready], args=[now, *article_ids])
        )

    def publish_policy(self, policy: RecheckPolicy) -> None:
        """Makes ``policy`` the one workers apply from their next check on."""
        self.redis.set(self.keys.policy, to_json(policy))

    def policy(self) -> RecheckPolicy:
        """The policy the clock published (the defaults if no clock has run yet)."""
        raw = self.redis.get(self.keys.policy)
        return from_json(RecheckPolicy, raw) if raw else RecheckPolicy()

    def depth(self, now: float) -> dict[str, int]:
        """How many ids are scheduled, due but waiting, ready, and leased."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.schedule)
            pipe.zcount(self.keys.schedule, "-inf", now)
            pipe.zcard(self.keys.ready)
            pipe.zcard(self.keys.leases)
            scheduled, overdue, ready, leased = pipe.execute()
        return {"scheduled": scheduled, "overdue": overdue, "ready": ready, "leased": leased}
