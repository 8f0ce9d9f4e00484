"""Where a population's memory goes: every key, by what it holds.

Two measures, reported side by side:

- ``MEMORY USAGE key SAMPLES 0`` of every key (found with ``SCAN``), summed by kind of key
  (:class:`Kind`): the key's name, its object, its value with all its elements (nothing
  sampled), and its entry in the keyspace;
- the growth of ``used_memory`` (``INFO memory``) from the empty server: everything the
  allocator handed out, including what no key accounts for (the keyspace's hash table,
  the TTL table, Lua scripts).

A collection shared by all articles (the ``tracked`` set, the schedule, the event stream)
counts for each article as its size divided by the number of articles.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crawler.domain.codec import as_text
from crawler.store.keys import SOURCE_STATUS_INFIX

if TYPE_CHECKING:
    from redis import Redis

    from crawler.store.keys import Keys

# Keys read per round trip.
BATCH = 1000


class Part(enum.Enum):
    """Which part of an article's footprint a kind of key belongs to."""

    HASH = "article hash"
    MEMBERSHIP = "set memberships"
    BOOKKEEPING = "per-article bookkeeping keys"
    VERSIONS = "versions"
    EVENTS = "change events"
    SHARED = "not per article"


class Kind(enum.Enum):
    """What a key holds (see :mod:`crawler.store.keys`), and the part it belongs to."""

    ARTICLE = ("article:{id} hash", Part.HASH)
    TRACKED = ("tracked set", Part.MEMBERSHIP)
    STATUS = ("status:{status} sets", Part.MEMBERSHIP)
    SOURCE = ("source:{s}:articles and :status:{st} sets", Part.MEMBERSHIP)
    SCHEDULE = ("schedule zset", Part.MEMBERSHIP)
    CANONICAL = ("canonical:{cid} strings", Part.BOOKKEEPING)
    SEEN = ("seen:{id} hashes", Part.BOOKKEEPING)
    VERSIONS = ("versions:{id} lists", Part.VERSIONS)
    TIMELINE = ("timeline:{id} lists", Part.EVENTS)
    EVENTS = ("events stream", Part.EVENTS)
    INDEX = ("events:source/kind index streams", Part.EVENTS)
    OTHER = ("others (counters, sites, queues, config)", Part.SHARED)

    def __init__(self, label: str, part: Part) -> None:
        self.label = label
        self.part = part


def kind_of(key: str, keys: Keys) -> Kind:
    """The kind of the key named ``key``."""
    prefixes = {
        keys.article(""): Kind.ARTICLE,
        keys.versions(""): Kind.VERSIONS,
        keys.seen(""): Kind.SEEN,
        keys.timeline(""): Kind.TIMELINE,
        keys.canonical(""): Kind.CANONICAL,
        keys.status_prefix: Kind.STATUS,
    }
    for prefix, kind in prefixes.items():
        if key.startswith(prefix):
            return kind
    named = {keys.tracked: Kind.TRACKED, keys.schedule: Kind.SCHEDULE, keys.events: Kind.EVENTS}
    if key in named:
        return named[key]
    if key.startswith(keys.source_prefix) and (
        key.endswith(":articles") or SOURCE_STATUS_INFIX in key
    ):
        return Kind.SOURCE
    if key.startswith(f"{keys.events}:") and key not in (keys.events_indexed, keys.events_indexing):
        return Kind.INDEX
    return Kind.OTHER


@dataclass
class Usage:
    """The keys of one kind.

    Attributes:
        keys: How many.
        bytes: Their ``MEMORY USAGE`` summed.
        encodings: How many keys have each internal encoding (``OBJECT ENCODING``).
    """

    keys: int = 0
    bytes: int = 0
    encodings: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Snapshot:
    """A population's memory at one moment.

    Attributes:
        name: The moment, in words.
        articles: How many articles there are.
        used_memory: How much ``used_memory`` grew from the empty server, in bytes.
        usage: Per kind of key, what its keys take.
    """

    name: str
    articles: int
    used_memory: int
    usage: dict[Kind, Usage]

    def per_article(self, *kinds: Kind) -> float:
        """Bytes per article of the keys of these kinds."""
        return sum(self.usage[k].bytes for k in kinds if k in self.usage) / self.articles

    def part(self, *parts: Part) -> float:
        """Bytes per article of the keys of these parts."""
        return self.per_article(*(k for k in Kind if k.part in parts))

    @property
    def total(self) -> float:
        """Bytes per article of every key."""
        return self.per_article(*Kind)

    @property
    def used_per_article(self) -> float:
        """``used_memory`` growth per article."""
        return self.used_memory / self.articles


def used_memory(redis: Redis) -> int:
    """The server's ``used_memory``, in bytes."""
    return int(redis.info("memory")["used_memory"])


def snapshot(redis: Redis, keys: Keys, name: str, articles: int, baseline: int) -> Snapshot:
    """Measures every key under ``keys.prefix`` (see the module docstring)."""
    usage = {kind: Usage() for kind in Kind}
    names = [as_text(k) for k in redis.scan_iter(match=f"{keys.prefix}*", count=BATCH)]
    for start in range(0, len(names), BATCH):
        chunk = names[start : start + BATCH]
        with redis.pipeline(transaction=False) as pipe:
            for key in chunk:
                pipe.memory_usage(key, samples=0)
                pipe.object("encoding", key)
            replies = pipe.execute()
        for index, key in enumerate(chunk):
            size, encoding = replies[2 * index], replies[2 * index + 1]
            if size is None:
                continue  # expired meanwhile (a counter)
            found = usage[kind_of(key, keys)]
            found.keys += 1
            found.bytes += int(size)
            found.encodings[as_text(encoding)] += 1
    return Snapshot(name, articles, used_memory(redis) - baseline, usage)


def hash_value_limit(redis: Redis) -> tuple[str, int]:
    """The setting that caps the values of a compact (listpack or ziplist) hash, and its
    value: ``hash-max-listpack-value`` (Redis 7) or ``hash-max-ziplist-value`` (6)."""
    for name in ("hash-max-listpack-value", "hash-max-ziplist-value"):
        found = list(redis.config_get(name).values())
        if found:
            return name, int(as_text(found[0]))
    raise LookupError("the server reports no hash-max-*-value setting")


def long_fields(redis: Redis, key: str, limit: int) -> dict[str, int]:
    """The fields of the hash at ``key`` whose values are longer than ``limit`` bytes
    (any one of them makes Redis keep the whole hash as a hash table), with their lengths."""
    raw = redis.hgetall(key)
    return {as_text(f): len(v) for f, v in raw.items() if len(v) > limit}
