"""The due queue: how checks move from the schedule to workers, atomically, in Redis.

An article id lives in exactly one of three sorted sets at a time (see :mod:`crawler.store.keys`):

- ``schedule``: not yet due, scored by when it is due;
- ``ready``: due, waiting for a worker, scored by when it became due (oldest first);
- ``leases``: claimed by a worker, scored by when the claim expires.

The clock moves due ids from ``schedule`` to ``ready`` and expired leases back to ``ready``
(:meth:`DueQueue.promote`); workers pop from ``ready`` into ``leases``
(:meth:`DueQueue.claim`); recording a check removes the lease and re-schedules the article
(:meth:`DueQueue.done`, inside the transaction of
:meth:`crawler.store.articles.ArticleStore.record`).
This module is the only writer of the three sets: other owners call its methods that take
their pipeline (:meth:`DueQueue.schedule`, :meth:`DueQueue.done`, :meth:`DueQueue.drop`).
Each step is one Lua script, so it costs time in proportion to the ids it moves, never to
the number of articles tracked.

A claim is leased for a short while (:data:`LIVE_LEASE`) and its worker renews it every
:data:`HEARTBEAT` while it works on it (:meth:`DueQueue.renew`), up to the full ``lease``
after the claim. A worker that dies, even by ``kill -9``, stops renewing: its claims, and
the places they hold in their sites' limits, are free again within :data:`LIVE_LEASE`
instead of the full lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

from crawler.domain.codec import as_text
from crawler.domain.models import ARTICLE_FIELDS, Claim, Status
from crawler.store.keys import SITE_LEASES_SUFFIX
from crawler.store.lua import Lua

if TYPE_CHECKING:
    from collections.abc import Mapping

    from redis import Redis
    from redis.client import Pipeline

    from crawler.store.keys import Keys

# The scripts name the article hash's fields as ``$attribute`` (see ARTICLE_FIELDS).

# KEYS: schedule, ready, leases. ARGV: now, limit, article key prefix, site key prefix,
#       site leases suffix.
# Moves up to `limit` due ids from the schedule, and up to `limit` expired leases, to ready;
# an expired lease also leaves its site's checks in flight.
_PROMOTE = Template("""
local moved = 0
for _, source in ipairs({KEYS[1], KEYS[3]}) do
  local ids = redis.call('ZRANGEBYSCORE', source, '-inf', ARGV[1],
                         'WITHSCORES', 'LIMIT', 0, ARGV[2])
  for i = 1, #ids, 2 do
    redis.call('ZREM', source, ids[i])
    redis.call('ZADD', KEYS[2], 'NX', ids[i + 1], ids[i])
    if source == KEYS[3] then
      local site = redis.call('HGET', ARGV[3] .. ids[i], '$site')
      if site then redis.call('ZREM', ARGV[4] .. site .. ARGV[5], ids[i]) end
    end
  end
  moved = moved + #ids / 2
end
return moved
""").substitute(ARTICLE_FIELDS)

# KEYS: ready, leases, schedule.
# ARGV: now, count, lease seconds, article key prefix, site key prefix, per-site limit,
#       window, site leases suffix.
# Claims up to `count` of the first `window` ready ids whose site is neither backed off nor
# at its limit of checks in flight (all workers together), oldest due first. Returns id,
# url, etag, last_modified, source, page_digest for each. Ids of articles no longer fetched
# are dropped; ids of a backed-off site go back to the schedule until the back-off ends.
# An id whose site is at its limit costs one field's read: a busy queue skips many.
_CLAIM = Template("""
local now = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local expires = now + tonumber(ARGV[3])
local limit = tonumber(ARGV[6])
local out, inflight, backoff = {}, {}, {}
local claimed = 0
local function site_of(akey)
  return redis.call('HGET', akey, '$site') or ''
end
local function fetched(status)
  return status and status ~= '$untracked' and status ~= '$stable'
end
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[7]) - 1)) do
  if claimed >= want then break end
  local akey = ARGV[4] .. id
  local site = site_of(akey)
  local skey = ARGV[5] .. site
  local lkey = skey .. ARGV[8]
  if inflight[site] == nil then
    backoff[site] = tonumber(redis.call('HGET', skey, 'backoff_until') or '0') or 0
    redis.call('ZREMRANGEBYSCORE', lkey, '-inf', now)
    inflight[site] = redis.call('ZCARD', lkey)
  end
  if backoff[site] > now then
    redis.call('ZREM', KEYS[1], id)
    if fetched(redis.call('HGET', akey, '$status')) then
      redis.call('ZADD', KEYS[3], backoff[site], id)
    end
  elseif inflight[site] < limit then
    local f = redis.call('HMGET', akey, '$url', '$location', '$etag', '$last_modified',
                         '$status', '$source', '$page_digest')
    redis.call('ZREM', KEYS[1], id)
    if f[1] and fetched(f[5]) then
      local url = f[1]
      if f[2] and f[2] ~= '' then url = f[2] end
      redis.call('ZADD', KEYS[2], expires, id)
      redis.call('ZADD', lkey, expires, id)
      inflight[site] = inflight[site] + 1
      claimed = claimed + 1
      table.insert(out, id)
      table.insert(out, url)
      table.insert(out, f[3] or '')
      table.insert(out, f[4] or '')
      table.insert(out, f[6] or '')
      table.insert(out, f[7] or '')
    end
  end
end
return out
""").substitute(ARTICLE_FIELDS, untracked=Status.UNTRACKED, stable=Status.STABLE)

# KEYS: leases, ready. ARGV: now, article key prefix, site key prefix, site leases suffix,
#       ids...
# Gives claimed ids back (a worker shutting down): they are due again at once.
_RELEASE = Template("""
local released = 0
for i = 5, #ARGV do
  local id = ARGV[i]
  if redis.call('ZREM', KEYS[1], id) == 1 then
    redis.call('ZADD', KEYS[2], 'NX', ARGV[1], id)
    released = released + 1
  end
  local site = redis.call('HGET', ARGV[2] .. id, '$site')
  if site then redis.call('ZREM', ARGV[3] .. site .. ARGV[4], id) end
end
return released
""").substitute(ARTICLE_FIELDS)


# KEYS: leases. ARGV: now, live seconds, lease seconds, article key prefix, site key prefix,
#       site leases suffix, then id and claimed_at pairs.
# Extends the claims still leased (and their places in their sites' limits) to `live`
# seconds from now, never past `lease` seconds after the claim and never shorter.
_RENEW = Template("""
local now, live, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local renewed = 0
for i = 7, #ARGV, 2 do
  local id = ARGV[i]
  local expires = math.min(now + live, tonumber(ARGV[i + 1]) + lease)
  if redis.call('ZADD', KEYS[1], 'XX', 'GT', 'CH', expires, id) == 1 then
    renewed = renewed + 1
  end
  local site = redis.call('HGET', ARGV[4] .. id, '$site')
  if site then redis.call('ZADD', ARGV[5] .. site .. ARGV[6], 'XX', 'GT', expires, id) end
end
return renewed
""").substitute(ARTICLE_FIELDS)


@dataclass(frozen=True)
class Depth:
    """How much work the queue holds.

    Attributes:
        scheduled: Checks in the schedule (due or not).
        overdue: Checks in the schedule already due (the clock has not released them).
        ready: Checks due and waiting for a worker.
        leased: Checks a worker is doing.
        oldest_due: When the longest-waiting due check became due (None: nothing waits).
    """

    scheduled: int
    overdue: int
    ready: int
    leased: int
    oldest_due: float | None


LIVE_LEASE = 10.0
"""Seconds a claim lasts unless its worker renews it (see :meth:`DueQueue.renew`): how
long the checks of a worker that died stay claimed."""
HEARTBEAT = 2.0
"""Seconds between two renewals of a worker's claims."""
# How many ready ids a claim looks at, at most, to find ones whose site has room.
MAX_CLAIM_WINDOW = 2000
# How many ids :meth:`DueQueue.repair` checks per round trip.
REPAIR_BATCH = 1000
# How many due ids of each queue :meth:`DueQueue.backlog` looks at, at most.
BACKLOG_LIMIT = 100_000


class DueQueue:
    """Moves article ids between the schedule, the ready queue and worker leases.

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._promote = Lua(redis, _PROMOTE)
        self._claim = Lua(redis, _CLAIM)
        self._release = Lua(redis, _RELEASE)
        self._renew = Lua(redis, _RENEW)

    # -- writes inside another owner's transaction ------------------------------------------

    def schedule(self, pipe: Pipeline, item_id: str, due: float, *, first: bool = False) -> None:
        """Queues on ``pipe`` scheduling ``item_id`` (an article or an endpoint) at ``due``;
        with ``first``, only if it is not in the schedule already."""
        pipe.zadd(self.keys.schedule, {item_id: due}, nx=first)

    def done(self, pipe: Pipeline, item_id: str, site: str, next_check: float | None) -> None:
        """Queues on ``pipe`` the end of a check of ``item_id``: its lease and its place in
        ``site``'s checks in flight are freed, and it is scheduled at ``next_check`` (None:
        never again)."""
        pipe.zrem(self.keys.leases, item_id)
        pipe.zrem(self.keys.site_leases(site), item_id)
        if next_check is None:
            pipe.zrem(self.keys.schedule, item_id)
        else:
            pipe.zadd(self.keys.schedule, {item_id: next_check})

    def drop(self, pipe: Pipeline, item_id: str) -> None:
        """Queues on ``pipe`` taking ``item_id`` out of the schedule, the ready queue and
        the leases (it is no longer fetched)."""
        for queue in (self.keys.schedule, self.keys.ready, self.keys.leases):
            pipe.zrem(queue, item_id)

    # -- the clock's and the workers' steps ---------------------------------------------------

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
                    args=[
                        now,
                        limit,
                        self.keys.article_prefix,
                        self.keys.site_prefix,
                        SITE_LEASES_SUFFIX,
                    ],
                )
            )
            total += moved
            if moved < limit:
                return total

    def claim(self, now: float, count: int, lease: float, per_site: int) -> list[Claim]:
        """Claims up to ``count`` due articles, oldest due first, for :data:`LIVE_LEASE`
        seconds (at most ``lease``); the worker extends its claims with :meth:`renew`.

        Politeness holds across every worker sharing the Redis: a site never has more than
        ``per_site`` claims in flight, and a site that is backed off is not fetched until
        its back-off ends (its due articles wait in the schedule). A claim that is not
        recorded before its lease expires is given to another worker. Articles untracked or
        stable since they became due are dropped, not returned.
        """
        window = min(max(count * 10, 100), MAX_CLAIM_WINDOW)
        reply = self._claim(
            keys=[self.keys.ready, self.keys.leases, self.keys.schedule],
            args=[
                now,
                count,
                min(LIVE_LEASE, lease),
                self.keys.article_prefix,
                self.keys.site_prefix,
                per_site,
                window,
                SITE_LEASES_SUFFIX,
            ],
        )
        fields = [as_text(value) for value in reply]
        return [
            Claim(
                id=fields[i],
                url=fields[i + 1],
                etag=fields[i + 2],
                last_modified=fields[i + 3],
                source=fields[i + 4],
                claimed_at=now,
                page_digest=fields[i + 5],
            )
            for i in range(0, len(fields), 6)
        ]

    def renew(self, claims: Mapping[str, float], now: float, lease: float) -> int:
        """Extends a live worker's claims (article id to when it was claimed) to
        :data:`LIVE_LEASE` seconds from ``now``, never past ``lease`` seconds after each
        claim. A claim no longer leased (recorded or handed back) is left as it is; one that
        expired and was handed out again is extended too, which only lengthens the new
        holder's lease.

        Returns:
            How many leases were extended.
        """
        if not claims:
            return 0
        pairs = [value for item in claims.items() for value in item]
        return int(
            self._renew(
                keys=[self.keys.leases],
                args=[
                    now,
                    LIVE_LEASE,
                    lease,
                    self.keys.article_prefix,
                    self.keys.site_prefix,
                    SITE_LEASES_SUFFIX,
                    *pairs,
                ],
            )
        )

    def waiting(self) -> int:
        """How many due checks wait for a worker. After a claim that took none, these are
        checks of sites at their limit of checks in flight."""
        return int(self.redis.zcard(self.keys.ready))

    def release(self, article_ids: list[str], now: float) -> int:
        """Gives claimed articles back to the ready queue, due at ``now``."""
        if not article_ids:
            return 0
        return int(
            self._release(
                keys=[self.keys.leases, self.keys.ready],
                args=[
                    now,
                    self.keys.article_prefix,
                    self.keys.site_prefix,
                    SITE_LEASES_SUFFIX,
                    *article_ids,
                ],
            )
        )

    def repair(self, due: Mapping[str, float]) -> int:
        """Puts back in the schedule, at its due time, each id of ``due`` that is in none of
        the queues (so that nothing meant to be fetched is ever silently dropped).

        Returns:
            How many were put back.
        """
        ids = list(due)
        repaired = 0
        for start in range(0, len(ids), REPAIR_BATCH):
            chunk = ids[start : start + REPAIR_BATCH]
            with self.redis.pipeline(transaction=False) as pipe:
                for record_id in chunk:
                    pipe.zscore(self.keys.schedule, record_id)
                    pipe.zscore(self.keys.ready, record_id)
                    pipe.zscore(self.keys.leases, record_id)
                scores = pipe.execute()
                for index, record_id in enumerate(chunk):
                    if all(score is None for score in scores[3 * index : 3 * index + 3]):
                        pipe.zadd(self.keys.schedule, {record_id: due[record_id]}, nx=True)
                        repaired += 1
                pipe.execute()
        return repaired

    def backlog(self, now: float, limit: int = BACKLOG_LIMIT) -> dict[str, tuple[int, float]]:
        """Per source, how many checks are due by ``now`` and not started (overdue in the
        schedule, or ready), and since when the oldest has waited; at most ``limit`` of
        each queue are looked at, oldest first."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore(self.keys.schedule, "-inf", now, 0, limit, withscores=True)
            pipe.zrange(self.keys.ready, 0, limit - 1, withscores=True)
            overdue, ready = pipe.execute()
        waiting = [(as_text(i), float(score)) for i, score in (*overdue, *ready)]
        with self.redis.pipeline(transaction=False) as pipe:
            for record_id, _ in waiting:
                pipe.hget(self.keys.article(record_id), ARTICLE_FIELDS["source"])
            sources = pipe.execute()
        found: dict[str, tuple[int, float]] = {}
        for (_, since), source in zip(waiting, sources, strict=True):
            name = as_text(source) if source else ""
            count, oldest = found.get(name, (0, since))
            found[name] = (count + 1, min(oldest, since))
        return found

    def depth(self, now: float) -> Depth:
        """How many checks are scheduled, overdue, ready and leased, and the oldest due."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.keys.schedule)
            pipe.zcount(self.keys.schedule, "-inf", now)
            pipe.zcard(self.keys.ready)
            pipe.zcard(self.keys.leases)
            pipe.zrange(self.keys.schedule, 0, 0, withscores=True)
            pipe.zrange(self.keys.ready, 0, 0, withscores=True)
            scheduled, overdue, ready, leased, first_scheduled, first_ready = pipe.execute()
        due = [score for _, score in (*first_scheduled, *first_ready) if score <= now]
        return Depth(scheduled, overdue, ready, leased, min(due) if due else None)
