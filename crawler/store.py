"""The article store: articles, their versions and change events, in Redis.

Every write that belongs together (a new version, the article's state, its event, its place
in the schedule) is one ``MULTI``/``EXEC`` transaction under ``WATCH`` of the article, so a
crash at any moment leaves either all of it or none of it, and two workers that checked the
same article never record one change twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.codec import CodecError, as_text, pack, unpack
from crawler.models import ArticleState, ChangeEvent, Status, Version

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from redis import Redis
    from redis.client import Pipeline

    from crawler.check import Update
    from crawler.keys import Keys

logger = logging.getLogger(__name__)

# How many commands to send to Redis per round trip in bulk operations.
BATCH = 1000


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
    removed: int
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

    # -- reading ---------------------------------------------------------------------------

    def load(self, article_id: str) -> ArticleState | None:
        """Returns an article's state, or None if it was never tracked."""
        raw = self.redis.hgetall(self.keys.article(article_id))
        return ArticleState.from_fields(article_id, raw) if raw else None

    def versions(self, article_id: str) -> list[Version]:
        """Returns all of an article's versions, oldest first."""
        blobs = self.redis.lrange(self.keys.versions(article_id), 0, -1)
        return [unpack(Version, blob) for blob in blobs]

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

    def recent_events(self, count: int, before: str = "+") -> list[StoredEvent]:
        """Returns up to ``count`` change events, newest first, older than ``before``.

        Unreadable entries are logged and skipped, never fatal.
        """
        events = []
        entries = self.redis.xrevrange(self.keys.events, before, "-", count=count) or []
        for entry_id, entry in entries:
            try:
                event = unpack(ChangeEvent, (entry or {}).get(b"data"))
            except CodecError as exc:
                logger.error("skipping unreadable event %s: %s", as_text(entry_id), exc)
                continue
            events.append(StoredEvent(as_text(entry_id), event))
        return events

    def latest_event_id(self) -> str:
        """The id of the newest change event ("" when there is none)."""
        newest = self.redis.xrevrange(self.keys.events, "+", "-", count=1)
        return as_text(newest[0][0]) if newest else ""

    # -- tracking --------------------------------------------------------------------------

    def sync_tracked(self, targets: list[TrackTarget], now: float) -> SyncReport:
        """Makes the tracked set match the URLs file.

        New URLs are tracked and due at once; URLs no longer listed become ``removed`` and
        leave the schedule (their history stays); URLs listed again are tracked again.
        Every tracked article that is neither stable nor removed is made sure to be in the
        schedule, the ready queue or a lease, so none is ever silently dropped.
        """
        wanted = {t.article_id: t for t in targets}
        current = self.tracked_ids()
        gone = sorted(current - wanted.keys())
        states = {s.id: s for s in self.articles(sorted(wanted))}
        added = restored = renamed = 0
        with self.redis.pipeline(transaction=False) as pipe:
            for number, target in enumerate(targets, start=1):
                state = states.get(target.article_id)
                akey = self.keys.article(target.article_id)
                if state is None:
                    fresh = ArticleState(target.article_id, target.url, target.source, created=now)
                    pipe.hset(akey, mapping=fresh.to_fields())
                    pipe.zadd(self.keys.schedule, {target.article_id: now}, nx=True)
                    added += 1
                elif state.status is Status.REMOVED:
                    status = Status.ACTIVE if state.versions else Status.NEW
                    restore: dict[Any, str] = {"status": status, "next_check": str(now)}
                    pipe.hset(akey, mapping=restore)
                    pipe.zadd(self.keys.schedule, {target.article_id: now}, nx=True)
                    restored += 1
                if state is not None and state.source != target.source:
                    pipe.hset(akey, "source", target.source)
                    renamed += 1
                pipe.sadd(self.keys.tracked, target.article_id)
                if number % BATCH == 0:
                    pipe.execute()
            for number, article_id in enumerate(gone, start=1):
                remove: dict[Any, str] = {"status": Status.REMOVED, "next_check": ""}
                pipe.hset(self.keys.article(article_id), mapping=remove)
                pipe.zrem(self.keys.schedule, article_id)
                pipe.zrem(self.keys.ready, article_id)
                pipe.srem(self.keys.tracked, article_id)
                if number % BATCH == 0:
                    pipe.execute()
            pipe.execute()
        repaired = self._repair_schedule(
            [s for s in states.values() if s.status in (Status.NEW, Status.ACTIVE)], now
        )
        return SyncReport(added, len(gone), restored, renamed, repaired)

    def _repair_schedule(self, states: list[ArticleState], now: float) -> int:
        """Puts back in the schedule any live article that is in none of the queues."""
        repaired = 0
        for start in range(0, len(states), BATCH):
            chunk = states[start : start + BATCH]
            with self.redis.pipeline(transaction=False) as pipe:
                for state in chunk:
                    pipe.zscore(self.keys.schedule, state.id)
                    pipe.zscore(self.keys.ready, state.id)
                    pipe.zscore(self.keys.leases, state.id)
                scores = pipe.execute()
                for index, state in enumerate(chunk):
                    if all(score is None for score in scores[3 * index : 3 * index + 3]):
                        due = state.next_check if state.next_check is not None else now
                        pipe.zadd(self.keys.schedule, {state.id: due}, nx=True)
                        repaired += 1
                pipe.execute()
        if repaired:
            logger.warning("put %d tracked articles back in the schedule", repaired)
        return repaired

    # -- recording -------------------------------------------------------------------------

    def record(
        self, article_id: str, plan: Callable[[ArticleState, Callable[[], Version | None]], Update]
    ) -> Update | None:
        """Applies one check's update atomically.

        ``plan`` is called with the article's current state and a loader of its latest
        version, and returns the update to write; if another process changes the article
        meanwhile, the write is abandoned and ``plan`` is called again on the new state.

        Returns:
            The update written, or None if the article does not exist.
        """
        akey = self.keys.article(article_id)
        vkey = self.keys.versions(article_id)
        written: list[Update | None] = [None]

        def transaction(pipe: Pipeline) -> None:
            raw = pipe.hgetall(akey)
            if not raw:
                written[0] = None
                return
            state = ArticleState.from_fields(article_id, raw)

            def latest() -> Version | None:
                blob = pipe.lindex(vkey, -1)
                return unpack(Version, blob) if blob is not None else None

            update = plan(state, latest)
            pipe.multi()
            self._write(pipe, update)
            written[0] = update

        self.redis.transaction(transaction, akey)
        return written[0]

    def _write(self, pipe: Pipeline, update: Update) -> None:
        state = update.state
        if update.version is not None:
            pipe.rpush(self.keys.versions(state.id), pack(update.version))
        if update.event is not None:
            pipe.xadd(self.keys.events, {"data": pack(update.event)})
        pipe.hset(self.keys.article(state.id), mapping=state.to_fields())
        pipe.zrem(self.keys.leases, state.id)
        if state.next_check is None:
            pipe.zrem(self.keys.schedule, state.id)
        else:
            pipe.zadd(self.keys.schedule, {state.id: state.next_check})
