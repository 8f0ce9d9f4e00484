"""Delivering the events stream to notification channels, durably: one consumer group of
the ``events`` stream per channel, and each channel's delivery health.

A channel reads the stream from its own position, held by Redis in its consumer group, so a
channel that is down holds up no other, and any number of ``redline notify`` processes
share a channel's work (each is a consumer of its group). An event is acknowledged only
after the channel accepted the message that tells of it; until then it stays pending in the
group, and is sent again: by the same process after its back-off, or, if that process died
(even by ``kill -9``), by another one once it has been pending for :data:`CLAIM_IDLE`
seconds. The group lives in the stream itself, so it survives a Redis restart as the
events do. Delivery is therefore at least once; every message names its events' ids, by
which a receiver drops a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis

from crawler.domain.codec import as_text
from crawler.store.articles import StoredEvent, decode_events
from crawler.store.lua import Lua

if TYPE_CHECKING:
    from redis import Redis

    from crawler.store.keys import Keys

CLAIM_IDLE = 60.0
"""Seconds an event stays pending with a consumer before another one may take it over."""
# The limit's window, in seconds.
WINDOW = 60.0

# KEYS: the channel's hash. ARGV: now, window, limit, wanted.
# Counts messages in fixed windows of WINDOW seconds; returns how many of ``wanted`` may
# be sent one by one now (all, or none: then the caller sends one digest, counted as one).
_ALLOW = """
local start = tonumber(redis.call('HGET', KEYS[1], 'window') or '0')
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local sent = tonumber(redis.call('HGET', KEYS[1], 'window_sent') or '0')
if now - start >= window then
  start, sent = now, 0
  redis.call('HSET', KEYS[1], 'window', now, 'window_sent', 0)
end
local wanted = tonumber(ARGV[4])
if sent + wanted <= tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], 'window_sent', wanted)
  return wanted
end
redis.call('HINCRBY', KEYS[1], 'window_sent', 1)
return 0
"""
# KEYS: the channel's hash. ARGV: how many messages to give back to the limit's window.
_GIVE_BACK = """
local sent = tonumber(redis.call('HGET', KEYS[1], 'window_sent') or '0')
redis.call('HSET', KEYS[1], 'window_sent', math.max(0, sent - tonumber(ARGV[1])))
"""


@dataclass(frozen=True)
class ChannelHealth:
    """How a channel's deliveries go.

    Attributes:
        name: The channel.
        sent: Messages it accepted, ever.
        events: Events those messages told of, ever.
        failures: Sends it refused or that failed, ever.
        consecutive: Failures since its last accepted message.
        failing_since: When the first of those failed (None when it is not failing).
        last_error: Why the last send failed ("" when the last one was accepted).
        last_success: When it last accepted a message (None: never).
        retry_at: Not tried again before then (None: no back-off).
        pending: Events read for it but not yet accepted.
    """

    name: str
    sent: int = 0
    events: int = 0
    failures: int = 0
    consecutive: int = 0
    failing_since: float | None = None
    last_error: str = ""
    last_success: float | None = None
    retry_at: float | None = None
    pending: int = 0


class Notices:
    """The channels' consumer groups of the events stream and their delivery health (the
    one writer of the ``notify:`` keys).

    Args:
        redis: The connection (``decode_responses=False``).
        keys: The key names.
        claim_idle: Seconds an event stays pending with a consumer before another one may
            take it over.
    """

    def __init__(self, redis: Redis, keys: Keys, claim_idle: float = CLAIM_IDLE) -> None:
        self.redis = redis
        self.keys = keys
        self.claim_idle = claim_idle
        self._allow = Lua(redis, _ALLOW)
        self._give_back = Lua(redis, _GIVE_BACK)

    def join(self, channel: str) -> None:
        """Makes sure the channel has its consumer group; a new one starts at the end of the
        stream (a channel is told of the changes after it was configured, not of every
        earlier one)."""
        try:
            self.redis.xgroup_create(
                self.keys.events, self.keys.notify_group(channel), id="$", mkstream=True
            )
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.redis.sadd(self.keys.notify_channels, channel)

    def take(self, channel: str, consumer: str, count: int) -> list[StoredEvent]:
        """Up to ``count`` events for ``consumer`` to deliver to the channel, oldest first:
        those it read before and has not delivered (a retry), else those another consumer
        left pending for ``claim_idle`` seconds, else new ones. An entry deleted from
        the stream meanwhile is acknowledged and skipped."""
        group, stream = self.keys.notify_group(channel), self.keys.events
        mine = self.redis.xreadgroup(group, consumer, {stream: "0"}, count=count)
        entries = _entries(mine)
        if not entries:
            claimed = self.redis.xautoclaim(
                stream, group, consumer, int(self.claim_idle * 1000), "0-0", count=count
            )
            entries = list(claimed[1])
        if not entries:
            entries = _entries(self.redis.xreadgroup(group, consumer, {stream: ">"}, count=count))
        gone = [entry_id for entry_id, fields in entries if not fields]
        if gone:
            self.redis.xack(stream, group, *gone)
        return decode_events([(i, f) for i, f in entries if f])

    def ack(self, channel: str, event_ids: list[str]) -> None:
        """Notes the events as delivered to the channel (or not to be sent to it)."""
        if event_ids:
            self.redis.xack(self.keys.events, self.keys.notify_group(channel), *event_ids)

    def allowance(self, channel: str, wanted: int, limit: int, now: float) -> bool:
        """Whether ``wanted`` messages may go to the channel one by one now, within its
        ``limit`` a minute (all channels' senders together); when not, the caller sends one
        digest instead, which counts as one."""
        key = self.keys.notify_channel(channel)
        return bool(self._allow(keys=[key], args=[now, WINDOW, limit, wanted]))

    def give_back(self, channel: str, messages: int) -> None:
        """Returns to the channel's limit the messages :meth:`allowance` counted that were
        not sent after all."""
        self._give_back(keys=[self.keys.notify_channel(channel)], args=[messages])

    def delivered(self, channel: str, events: int, now: float) -> None:
        """Notes a message the channel accepted, telling of ``events`` events."""
        key = self.keys.notify_channel(channel)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "sent", 1)
            pipe.hincrby(key, "events", events)
            pipe.hset(key, mapping={"consecutive": 0, "last_success": now})
            pipe.hdel(key, "failing_since", "last_error", "retry_at")
            pipe.execute()

    def failed(self, channel: str, error: str, now: float, retry_at: float) -> int:
        """Notes a failed send and when to try again; returns the failures in a row."""
        key = self.keys.notify_channel(channel)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "failures", 1)
            pipe.hincrby(key, "consecutive", 1)
            pipe.hsetnx(key, "failing_since", now)
            pipe.hset(key, mapping={"last_error": error[:500], "retry_at": retry_at})
            pipe.sadd(self.keys.notify_channels, channel)
            consecutive = pipe.execute()[1]
        return int(consecutive)

    def backoff(self, channel: str) -> tuple[float | None, int]:
        """When the channel may be tried again (None: now) and its failures in a row, in
        one round trip (what a sender asks before every attempt)."""
        retry_at, consecutive = self.redis.hmget(
            self.keys.notify_channel(channel), ["retry_at", "consecutive"]
        )
        return _time(as_text(retry_at) if retry_at else None), int(consecutive or 0)

    def health(self, channel: str) -> ChannelHealth:
        """How the channel's deliveries go."""
        raw = {
            as_text(k): as_text(v)
            for k, v in self.redis.hgetall(self.keys.notify_channel(channel)).items()
        }
        try:
            summary = self.redis.xpending(self.keys.events, self.keys.notify_group(channel))
            pending = int(summary["pending"])
        except redis.ResponseError:  # no group (yet)
            pending = 0
        return ChannelHealth(
            name=channel,
            sent=int(raw.get("sent") or 0),
            events=int(raw.get("events") or 0),
            failures=int(raw.get("failures") or 0),
            consecutive=int(raw.get("consecutive") or 0),
            failing_since=_time(raw.get("failing_since")),
            last_error=raw.get("last_error", ""),
            last_success=_time(raw.get("last_success")),
            retry_at=_time(raw.get("retry_at")),
            pending=pending,
        )

    def channels(self) -> list[str]:
        """Every channel that ever joined, by name."""
        return sorted(as_text(name) for name in self.redis.smembers(self.keys.notify_channels))


def _entries(reply: Any) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """The entries of an ``XREADGROUP`` reply for one stream."""
    return [entry for _, entries in reply or [] for entry in entries]


def _time(value: str | None) -> float | None:
    return float(value) if value else None
