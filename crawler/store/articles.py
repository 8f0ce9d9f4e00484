"""The article store: articles, their versions and change events, in Redis.

Every write that belongs together (a new version, the article's state, its event, its place
in the schedule) is one ``MULTI``/``EXEC`` transaction under ``WATCH`` of the article, so a
crash at any moment leaves either all of it or none of it, and two workers that checked the
same article never record one change twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from string import Template
from typing import TYPE_CHECKING, Any

from crawler.detection.check import Finding
from crawler.domain.codec import CodecError, as_text, is_delta, pack, unpack
from crawler.domain.identity import site_of
from crawler.domain.models import (
    ARTICLE_FIELDS,
    Article,
    ArticleState,
    ChangeEvent,
    Status,
    Version,
)
from crawler.domain.progress import Progress
from crawler.store import chain
from crawler.store.counters import Counters
from crawler.store.keys import SOURCE_STATUS_INFIX
from crawler.store.lua import Lua
from crawler.store.queue import DueQueue
from crawler.store.sitetemplate import SiteTemplates
from crawler.store.upgrade import OLD_KINDS

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

    from redis import Redis
    from redis.client import Pipeline

    from crawler.detection.check import History, Update
    from crawler.detection.template import Evidence
    from crawler.store.keys import Keys

logger = logging.getLogger(__name__)

# How many commands to send to Redis per round trip in bulk operations.
BATCH = 1000
# Milliseconds a process indexing older events holds its lock without progress.
INDEX_LOCK_MS = 60_000


# KEYS: article hash. ARGV: status key prefix, id, status field, new status, then
#       field/value pairs (an empty value deletes the field).
# Sets an article's status and moves it between the status sets, atomically.
_SET_STATUS = Template("""
local old = redis.call('HGET', KEYS[1], ARGV[3])
if not old then return 0 end
local source = redis.call('HGET', KEYS[1], '$source') or ''
local by_source = ARGV[5] .. source .. ARGV[6]
if old ~= ARGV[4] then
  redis.call('SREM', ARGV[1] .. old, ARGV[2])
  redis.call('SREM', by_source .. old, ARGV[2])
end
redis.call('SADD', ARGV[1] .. ARGV[4], ARGV[2])
redis.call('SADD', by_source .. ARGV[4], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
for i = 7, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
""").substitute(ARTICLE_FIELDS)

# KEYS: events stream, the article's timeline, the "indexed" marker, then the event's
# index streams. ARGV: packed event.
# Publishes an event, notes its id in the article's timeline and, once the index streams
# are complete (the marker is set), in its index streams.
_PUBLISH = """
local id = redis.call('XADD', KEYS[1], '*', 'data', ARGV[1])
redis.call('RPUSH', KEYS[2], id)
if redis.call('EXISTS', KEYS[3]) == 1 then
  for i = 4, #KEYS do redis.call('XADD', KEYS[i], id, 'e', '') end
end
return id
"""

# KEYS: events stream, the "indexed" marker, the indexing lock, then index streams.
# ARGV: the lock's token, the last event id read, then for each index stream the event id
# to add to it.
# Adds a batch of older events to the index streams, if the caller still holds the lock
# (an id already there is skipped, so a batch may be applied twice); sets the marker,
# atomically, once no event is newer than the batch's last, so that from then on
# publishing indexes each event. Returns 1 when done, 0 for more, -1 if the lock is lost.
_INDEX = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[3], ARGV[2])
for i = 4, #KEYS do redis.pcall('XADD', KEYS[i], ARGV[i], 'e', '') end
if #redis.call('XRANGE', KEYS[1], '(' .. ARGV[3], '+', 'COUNT', 1) == 0 then
  redis.call('SET', KEYS[2], '1')
  redis.call('DEL', KEYS[3])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class TrackTarget:
    """An article the URLs file asks to track: its id, URL and source."""

    article_id: str
    url: str
    source: str


@dataclass(frozen=True)
class SyncReport:
    """What :meth:`ArticleStore.sync_tracked` changed."""

    added: int
    untracked: int
    restored: int
    renamed: int
    repaired: int


@dataclass(frozen=True)
class StoredEvent:
    """A change event with its position in the event stream."""

    event_id: str
    event: ChangeEvent


class ArticleStore:
    """Reads and writes articles, versions and events.

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._set_status = Lua(redis, _SET_STATUS)
        self._publish = Lua(redis, _PUBLISH)
        self._index = Lua(redis, _INDEX)
        self.templates = SiteTemplates(redis, keys)
        self.queue = DueQueue(redis, keys)
        self.counters = Counters(redis, keys, self.templates)

    # -- reading ---------------------------------------------------------------------------

    def load(self, article_id: str) -> ArticleState | None:
        """Returns an article's state, or None if it was never tracked."""
        raw = self.redis.hgetall(self.keys.article(article_id))
        return ArticleState.from_fields(article_id, raw) if raw else None

    def versions(self, article_id: str) -> list[Version]:
        """Returns all of an article's versions, oldest first."""
        blobs = self.redis.lrange(self.keys.versions(article_id), 0, -1)
        return [version for version, _ in chain.decode(blobs)]

    def tracked_ids(self) -> set[str]:
        """The ids of the articles the URLs file lists."""
        return {as_text(m) for m in self.redis.smembers(self.keys.tracked)}

    def articles(self, article_ids: list[str]) -> Iterator[ArticleState]:
        """Loads many articles' states, in batches (missing ones are skipped)."""
        for start in range(0, len(article_ids), BATCH):
            chunk = article_ids[start : start + BATCH]
            with self.redis.pipeline(transaction=False) as pipe:
                for article_id in chunk:
                    pipe.hgetall(self.keys.article(article_id))
                for article_id, raw in zip(chunk, pipe.execute(), strict=True):
                    if raw:
                        yield ArticleState.from_fields(article_id, raw)

    def recent_events(
        self, count: int, before: str = "", *, source: str = "", kind: str = ""
    ) -> list[StoredEvent]:
        """Returns up to ``count`` change events, newest first: of one source and of one
        change kind when given, and older than the event id ``before`` when given.

        Reads only the events returned (from the feed's index stream), however many are
        stored. Unreadable entries are logged and skipped, never fatal.
        """
        start = f"({before}" if before else "+"
        index = self.keys.event_index(source, kind)
        entries = self.redis.xrevrange(index, start, "-", count=count) or []
        if index == self.keys.events:
            return decode_events(entries)
        with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xrange(self.keys.events, as_text(entry_id), as_text(entry_id))
            return decode_events([entry for found in pipe.execute() for entry in found])

    def source_statuses(self, source: str) -> dict[Status, int]:
        """How many of one source's articles are in each status."""
        with self.redis.pipeline(transaction=False) as pipe:
            for status in Status:
                pipe.scard(self.keys.source_status(source, status))
            return dict(zip(Status, (int(n) for n in pipe.execute()), strict=True))

    def index_events(self) -> int:
        """Completes the index streams of the feeds (per source and per change kind) with
        the events published before they existed; returns how many events were read.

        One process at a time does it (under a lock; the others return 0 at once), and it
        may be interrupted: the next run starts over, skipping what is already indexed.
        Once the index streams are complete it returns at once.
        """
        if self.redis.exists(self.keys.events_indexed):
            return 0
        token = secrets.token_hex(8)
        if not self.redis.set(self.keys.events_indexing, token, nx=True, px=INDEX_LOCK_MS):
            return 0
        read = 0
        after = "0-0"
        progress = Progress(logger, "indexing earlier events", self.redis.xlen(self.keys.events))
        while True:
            entries = self.redis.xrange(self.keys.events, f"({after}", "+", count=BATCH) or []
            keys, ids = [], []
            for stored in decode_events(entries):
                for index in self.event_indexes(stored.event):
                    keys.append(index)
                    ids.append(stored.event_id)
            if entries:
                after = as_text(entries[-1][0])
                read += len(entries)
                progress.add(len(entries))
            done = self._index(
                keys=[self.keys.events, self.keys.events_indexed, self.keys.events_indexing, *keys],
                args=[token, INDEX_LOCK_MS, after, *ids],
            )
            if done == -1:
                logger.warning("indexing events: another process took over")
                return read
            if done == 1:
                if read:
                    progress.finish()
                return read

    def event_indexes(self, event: ChangeEvent) -> list[str]:
        """The index streams an event belongs in: its source's, and per change kind."""
        return [
            self.keys.event_index(event.source),
            *(self.keys.event_index(kind=kind) for kind in event.kinds),
            *(self.keys.event_index(event.source, kind) for kind in event.kinds),
        ]

    def event(self, event_id: str) -> StoredEvent | None:
        """The change event with this id in the events stream (None: there is none).

        Raises:
            redis.ResponseError: ``event_id`` is not a stream entry id.
        """
        found = decode_events(self.redis.xrange(self.keys.events, event_id, event_id) or [])
        return found[0] if found else None

    def timeline(self, article_id: str) -> list[StoredEvent]:
        """Returns one article's change events, oldest first."""
        ids = [as_text(i) for i in self.redis.lrange(self.keys.timeline(article_id), 0, -1)]
        with self.redis.pipeline(transaction=False) as pipe:
            for event_id in ids:
                pipe.xrange(self.keys.events, event_id, event_id)
            return decode_events([entry for found in pipe.execute() for entry in found])

    def source_names(self) -> list[str]:
        """Every source that has had an article, by name."""
        return sorted(as_text(s) for s in self.redis.smembers(self.keys.sources))

    def has_source(self, source: str) -> bool:
        """True when an article ever belonged to the source."""
        return bool(self.redis.exists(self.keys.source_articles(source)))

    def source_article_ids(self, source: str) -> list[str]:
        """The ids of one source's articles (untracked ones too: their history is kept)."""
        return sorted(as_text(a) for a in self.redis.smembers(self.keys.source_articles(source)))

    def source_counts(self, sources: list[str]) -> dict[str, tuple[int, int]]:
        """For each source, how many articles it has and how many change events."""
        with self.redis.pipeline(transaction=False) as pipe:
            for source in sources:
                pipe.scard(self.keys.source_articles(source))
                pipe.xlen(self.keys.event_index(source))
            replies = pipe.execute()
        return {
            source: (int(replies[2 * i]), int(replies[2 * i + 1]))
            for i, source in enumerate(sources)
        }

    def status_counts(self) -> dict[Status, int]:
        """How many articles are in each status."""
        with self.redis.pipeline(transaction=False) as pipe:
            for status in Status:
                pipe.scard(self.keys.status(status))
            return dict(zip(Status, (int(n) for n in pipe.execute()), strict=True))

    def latest_event_id(self, *, source: str = "", kind: str = "") -> str:
        """The id of the newest change event ("" when there is none), of one source and
        one change kind when given."""
        newest = self.redis.xrevrange(self.keys.event_index(source, kind), "+", "-", count=1)
        return as_text(newest[0][0]) if newest else ""

    # -- tracking --------------------------------------------------------------------------

    def sync_tracked(self, targets: list[TrackTarget], now: float) -> SyncReport:
        """Makes the tracked set match the URLs file.

        New URLs are tracked and due at once; URLs no longer listed become ``untracked`` and
        leave the schedule (their history stays); URLs listed again are tracked again.
        Articles found by discovery endpoints are not the file's to remove. Every article
        still fetched, listed or discovered, is made sure to be in the schedule, the ready
        queue or a lease, so none is ever silently dropped.
        """
        wanted = {t.article_id: t for t in targets}
        current = self.tracked_ids()
        gone = sorted(current - wanted.keys())
        states = {s.id: s for s in self.articles(sorted(wanted))}
        added = restored = renamed = 0
        with self.redis.pipeline(transaction=False) as pipe:
            for number, target in enumerate(targets, start=1):
                state = states.get(target.article_id)
                if state is None:
                    fresh = ArticleState(
                        target.article_id,
                        target.url,
                        target.source,
                        created=now,
                        next_check=now,
                        site=site_of(target.url),
                    )
                    self.start_tracking(pipe, fresh)
                    added += 1
                else:
                    renamed += self._rename_source(pipe, state, target.source)
                    if state.status is Status.UNTRACKED:
                        status = Status.ACTIVE if state.versions else Status.NEW
                        self._change_status(pipe, target.article_id, status, next_check=str(now))
                        self.queue.schedule(pipe, target.article_id, now, first=True)
                        restored += 1
                pipe.sadd(self.keys.tracked, target.article_id)
                pipe.sadd(self.keys.source_articles(target.source), target.article_id)
                pipe.sadd(self.keys.sources, target.source)
                if number % BATCH == 0:
                    pipe.execute()
            for number, article_id in enumerate(gone, start=1):
                self._change_status(pipe, article_id, Status.UNTRACKED, next_check="", canonical="")
                self.queue.drop(pipe, article_id)
                pipe.srem(self.keys.tracked, article_id)
                if number % BATCH == 0:
                    pipe.execute()
            pipe.execute()
        discovered = sorted(
            {as_text(i) for i in self.redis.smembers(self.keys.discovered)} - wanted.keys()
        )
        live = [*states.values(), *self.articles(discovered)]
        due = {s.id: s.next_check if s.next_check is not None else now for s in live if s.fetched}
        repaired = self.queue.repair(due)
        if repaired:
            logger.warning("put %d tracked articles back in the schedule", repaired)
        return SyncReport(added, len(gone), restored, renamed, repaired)

    def _rename_source(self, pipe: Pipeline, state: ArticleState, source: str) -> int:
        """Queues moving an article to another source (before any status change, which
        then follows it); returns 1 if it moved, 0 if it already belonged to ``source``."""
        if state.source == source:
            return 0
        pipe.hset(self.keys.article(state.id), ARTICLE_FIELDS["source"], source)
        pipe.srem(self.keys.source_articles(state.source), state.id)
        pipe.smove(
            self.keys.source_status(state.source, state.status),
            self.keys.source_status(source, state.status),
            state.id,
        )
        return 1

    def start_tracking(self, pipe: Pipeline, state: ArticleState, *, via: str = "") -> None:
        """Queues on ``pipe`` tracking a new article: its hash, its status, its source and
        its first check, due at ``state.next_check``. ``via`` is "" for an article of the
        URLs file (the clock adds it to the tracked set), else the discovery endpoint that
        found it."""
        pipe.hset(self.keys.article(state.id), mapping=state.to_fields())
        self._change_status(pipe, state.id, state.status)
        self.queue.schedule(pipe, state.id, state.next_check or state.created, first=True)
        if via:
            pipe.sadd(self.keys.discovered, state.id)
        pipe.sadd(self.keys.source_articles(state.source), state.id)
        pipe.sadd(self.keys.sources, state.source)

    def _change_status(
        self, pipe: Pipeline, article_id: str, status: Status, **fields: str
    ) -> None:
        """Queues an atomic status change (hash and status sets) on ``pipe``; ``fields``
        (attributes of :class:`ArticleState`) are set too, or deleted when empty. The one
        writer of the status sets, global and per source (but for moving an article to
        another source, :meth:`_rename_source`, and rebuilding them, :meth:`upgrade`)."""
        pairs = [item for name, value in fields.items() for item in (ARTICLE_FIELDS[name], value)]
        self._set_status(
            keys=[self.keys.article(article_id)],
            args=[
                self.keys.status_prefix,
                article_id,
                ARTICLE_FIELDS["status"],
                status,
                self.keys.source_prefix,
                SOURCE_STATUS_INFIX,
                *pairs,
            ],
            client=pipe,
        )

    # -- recording -------------------------------------------------------------------------

    def record(
        self, article_id: str, plan: Callable[[ArticleState, History], Update]
    ) -> Update | None:
        """Applies one check's update atomically: a compare-and-set on the article.

        ``plan`` is called with the article's current state and its history (read on
        demand), and returns the update to write. The article's hash is watched: if another
        process changes it meanwhile (another worker recorded the same check, the clock
        untracked the article), nothing is written and ``plan`` is called again on the new
        state. A version is therefore appended exactly once, on top of the version it was
        compared with.

        Returns:
            The update written (a stale one writes nothing), or None if the article does
            not exist.
        """
        akey = self.keys.article(article_id)
        written: list[Update | None] = [None]

        def transaction(pipe: Pipeline) -> None:
            raw = pipe.hgetall(akey)
            if not raw:
                written[0] = None
                return
            state = ArticleState.from_fields(article_id, raw)
            history = _WatchedHistory(pipe, self.keys, state, self.templates)
            update = plan(state, history)
            written[0] = update
            if update.finding is Finding.STALE:
                return
            blob = b""
            if update.version is not None:
                previous = history.latest_json() if chain.needs_previous(update.version) else b""
                blob = chain.encode(update.version, previous)
            pipe.multi()
            self._write(pipe, state, update, blob)

        self.redis.transaction(transaction, akey)
        return written[0]

    def _write(self, pipe: Pipeline, before: ArticleState, update: Update, blob: bytes) -> None:
        """Queues ``update`` on ``pipe``; ``blob`` is its version as stored, if it has one."""
        state = update.state
        keys = self.keys
        now = state.last_check or 0.0
        if update.version is not None:
            pipe.rpush(keys.versions(state.id), blob)
        if update.seen and update.version is not None:
            pipe.hsetnx(keys.seen(state.id), update.seen, update.version.number)
        if update.flip:
            pipe.hset(keys.seen(state.id), f"flip:{update.flip}", 1)
        if update.candidate is not None:
            pipe.set(keys.candidate(state.id), pack(update.candidate))
        elif before.candidate and not state.candidate:
            pipe.delete(keys.candidate(state.id))
        if update.canonical:
            pipe.set(keys.canonical(update.canonical), state.id)
        if update.event is not None:
            self._publish(
                keys=[
                    keys.events,
                    keys.timeline(state.id),
                    keys.events_indexed,
                    *self.event_indexes(update.event),
                ],
                args=[pack(update.event)],
                client=pipe,
            )
        self._change_status(pipe, state.id, state.status)  # reads the status it replaces
        pipe.hset(keys.article(state.id), mapping=state.to_fields())
        if stale := state.stale_fields(before):
            pipe.hdel(keys.article(state.id), *stale)
        site = before.site
        if update.lesson is not None:
            self.templates.learn(state.site or site, update.lesson, pipe)
        self.counters.count(pipe, site, update, now)
        self.queue.done(pipe, state.id, site, state.next_check)


class _WatchedHistory:
    """An article's history read through a pipeline in its WATCH phase (see
    :class:`crawler.detection.check.History`); keys read here are watched too."""

    def __init__(
        self, pipe: Pipeline, keys: Keys, state: ArticleState, templates: SiteTemplates
    ) -> None:
        self.pipe = pipe
        self.keys = keys
        self.state = state
        self.templates = templates
        self._latest: tuple[Version, bytes] | None = None

    def latest(self) -> Version | None:
        return self._read_latest()[0] if self.state.versions else None

    def latest_json(self) -> bytes:
        """The latest version's JSON (what a new version is stored as a delta from)."""
        return self._read_latest()[1]

    def _read_latest(self) -> tuple[Version | None, bytes]:
        if self._latest is None:
            key = self.keys.versions(self.state.id)
            blobs = self.pipe.lrange(key, chain.first_to_read(self.state.versions), -1)
            if blobs and isinstance(blobs[0], bytes) and is_delta(blobs[0]):
                # the list is not as long as the state says: read it all
                blobs = self.pipe.lrange(key, 0, -1)
            if not blobs:
                return None, b""
            self._latest = chain.decode(blobs)[-1]
        return self._latest

    def seen(self, digest: str) -> int | None:
        number = self.pipe.hget(self.keys.seen(self.state.id), digest)
        return int(number) if number is not None else None

    def flip_published(self, pair: str) -> bool:
        return bool(self.pipe.hexists(self.keys.seen(self.state.id), f"flip:{pair}"))

    def candidate(self) -> Article | None:
        blob = self.pipe.get(self.keys.candidate(self.state.id))
        if blob is None:
            return None
        try:
            return unpack(Article, blob)
        except CodecError as exc:
            logger.warning("the candidate change of %s is unreadable: %s", self.state.id, exc)
            return None

    def owner(self, canonical_id: str) -> str:
        key = self.keys.canonical(canonical_id)
        self.pipe.watch(key)  # type: ignore[no-untyped-call]
        claimed = self.pipe.get(key)
        candidate = as_text(claimed) if claimed is not None else canonical_id
        if candidate == self.state.id or not self._live(candidate):
            return ""
        return candidate

    def _live(self, article_id: str) -> bool:
        status = self.pipe.hget(self.keys.article(article_id), ARTICLE_FIELDS["status"])
        return status is not None and as_text(status) != Status.UNTRACKED

    def site_failures(self) -> int:
        value = self.pipe.hget(self.keys.site(self.state.site), "consecutive")
        return int(value) if value is not None else 0

    def template(self, marks: Collection[str], places: Collection[str]) -> Evidence:
        """Read apart from the transaction: other workers teach the site all the time, and
        what they teach must not make this check start again."""
        return self.templates.evidence(self.state.site, marks, places)


def decode_events(entries: list[Any]) -> list[StoredEvent]:
    """Decodes stream entries; unreadable ones are logged and skipped, never fatal."""
    events = []
    for entry_id, entry in entries:
        try:
            event = unpack(ChangeEvent, (entry or {}).get(b"data"))
        except CodecError as exc:
            logger.error("skipping unreadable event %s: %s", as_text(entry_id), exc)
            continue
        if any(kind in OLD_KINDS for kind in event.kinds):
            event = replace(event, kinds=tuple(OLD_KINDS.get(k, k) for k in event.kinds))
        events.append(StoredEvent(as_text(entry_id), event))
    return events
