"""The article store: articles, their versions and change events, in Redis.

Every write that belongs together (a new version, the article's state, its event, its place
in the schedule) is one ``MULTI``/``EXEC`` transaction under ``WATCH`` of the article, so a
crash at any moment leaves either all of it or none of it, and two workers that checked the
same article never record one change twice.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from string import Template
from typing import TYPE_CHECKING, Any

from crawler import chain
from crawler.check import Finding
from crawler.codec import CodecError, as_text, is_delta, pack, unpack
from crawler.keys import ARTICLE_FIELDS, SCHEMA, SOURCE_STATUS_INFIX
from crawler.models import Article, ArticleState, ChangeEvent, Status, Version
from crawler.progress import Progress
from crawler.queue import DueQueue
from crawler.sitetemplate import SiteTemplates, TemplateSummary
from scheduler.urls import site_of

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator

    from redis import Redis
    from redis.client import Pipeline

    from crawler.check import History, Update
    from crawler.keys import Keys
    from crawler.template import Evidence

logger = logging.getLogger(__name__)

# How many commands to send to Redis per round trip in bulk operations.
BATCH = 1000
# Milliseconds a process indexing older events holds its lock without progress.
INDEX_LOCK_MS = 60_000
# Seconds the per-minute counters are kept.
STATS_TTL = 2 * 3600

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

# KEYS: article hashes. ARGV: the schema 1 name, then the schema 2 name, of each field.
# Renames the fields of hashes written by schema 1 (they have a 'url' field); an empty
# value is dropped. Returns how many hashes were renamed.
_RENAME_FIELDS = """
local renamed = 0
for _, key in ipairs(KEYS) do
  if redis.call('HEXISTS', key, 'url') == 1 then
    for i = 1, #ARGV, 2 do
      local value = redis.call('HGET', key, ARGV[i])
      if value then
        redis.call('HDEL', key, ARGV[i])
        if value ~= '' then redis.call('HSET', key, ARGV[i + 1], value) end
      end
    end
    renamed = renamed + 1
  end
end
return renamed
"""

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
    removed: int
    restored: int
    renamed: int
    repaired: int


# The per-minute counters.
COUNTERS = ("checks", "changes", "errors", "extraction_failures")
# Seconds each site's hourly page counters are kept.
PAGES_TTL = 2 * 86400
# Hours of page counters a site's extraction health covers.
HEALTH_HOURS = 24


@dataclass(frozen=True)
class ExtractionHealth:
    """How well a site's pages were read over a span of time.

    Attributes:
        pages: Answers with content (a page, or a document that is not HTML).
        layers: Pages read by each extraction layer ("rules", "structured", "general").
        fell_back: Pages the source's body rule did not match, read by another layer.
        failed: Pages with no trustworthy article (nothing extracted, or a change the
            confirming fetch did not confirm at all).
        not_html: Documents that were not HTML.
    """

    pages: int = 0
    layers: dict[str, int] = field(default_factory=dict)
    fell_back: int = 0
    failed: int = 0
    not_html: int = 0

    def share(self, count: int) -> float:
        """``count`` as a share of the pages (0 when there were none)."""
        return count / self.pages if self.pages else 0.0

    @classmethod
    def from_hours(cls, hours: list[dict[Any, Any]]) -> ExtractionHealth:
        """Adds up hourly page counters as read with ``HGETALL``."""
        totals: dict[str, int] = {}
        for raw in hours:
            for name, value in raw.items():
                totals[as_text(name)] = totals.get(as_text(name), 0) + int(value)
        return cls(
            pages=totals.pop("pages", 0),
            fell_back=totals.pop("fell_back", 0),
            failed=totals.pop("failed", 0),
            not_html=totals.pop("not_html", 0),
            layers={
                name.removeprefix("layer:"): count
                for name, count in sorted(totals.items())
                if name.startswith("layer:")
            },
        )


@dataclass(frozen=True)
class SiteHealth:
    """One site's health, as kept in its Redis hash.

    Attributes:
        site: The site (host and port).
        checks: Checks of its articles.
        failures: Checks that failed with a network error, 5xx or 429.
        consecutive: Such failures since the site last answered.
        extraction_failures: Pages of the site that held no trustworthy article.
        backoff_until: Epoch seconds until which the site is left alone (0: it is not).
        last_error: The last failure.
        last_ok: When the site last answered.
        extraction: How well its pages were read in the last :data:`HEALTH_HOURS` hours.
        template: How much of its template was learned (:mod:`crawler.template`).
    """

    site: str
    checks: int = 0
    failures: int = 0
    consecutive: int = 0
    extraction_failures: int = 0
    backoff_until: float = 0.0
    last_error: str = ""
    last_ok: float = 0.0
    extraction: ExtractionHealth = field(default_factory=ExtractionHealth)
    template: TemplateSummary = field(default_factory=TemplateSummary)

    @classmethod
    def from_fields(
        cls,
        site: str,
        raw: dict[Any, Any],
        extraction: ExtractionHealth,
        template: TemplateSummary,
    ) -> SiteHealth:
        """Builds the health from a Redis hash as read with ``HGETALL``."""
        text = {as_text(k): as_text(v) for k, v in raw.items()}
        return cls(
            site=site,
            checks=int(text.get("checks") or 0),
            failures=int(text.get("failures") or 0),
            consecutive=int(text.get("consecutive") or 0),
            extraction_failures=int(text.get("extraction_failures") or 0),
            backoff_until=float(text.get("backoff_until") or 0),
            last_error=text.get("last_error", ""),
            last_ok=float(text.get("last_ok") or 0),
            extraction=extraction,
            template=template,
        )


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
        self._set_status = redis.register_script(_SET_STATUS)
        self._publish = redis.register_script(_PUBLISH)
        self._index = redis.register_script(_INDEX)
        self._rename_fields = redis.register_script(_RENAME_FIELDS)
        self.templates = SiteTemplates(redis, keys)
        self.queue = DueQueue(redis, keys)

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
            return _events(entries)
        with self.redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xrange(self.keys.events, as_text(entry_id), as_text(entry_id))
            return _events([entry for found in pipe.execute() for entry in found])

    def upgrade(self) -> int:
        """Brings data stored under an earlier schema up to :data:`crawler.keys.SCHEMA`;
        returns how many article hashes were rewritten.

        Schema 1 named the article hash's fields after the attributes of
        :class:`ArticleState`; they are renamed by :data:`crawler.keys.ARTICLE_FIELDS`,
        each hash atomically. Schemas 1 and 2 had no status sets per source: they are
        built from the sources' article sets and the status sets. Schemas 1 to 3 may lack
        the site of an article or an endpoint in its hash: it is stored. The clock runs it before
        it reads any article; an article a worker passed over meanwhile (it could not read
        the hash) is put back in the schedule by the clock's next sync. Once done it
        returns at once.
        """
        stored = int(self.redis.get(self.keys.schema) or 1)
        if stored >= SCHEMA:
            return 0
        renamed = 0
        if stored < 2:
            pairs = [name for pair in ARTICLE_FIELDS.items() for name in pair]
            found: list[bytes] = []
            pattern = _glob_escape(self.keys.article_prefix) + "*"
            progress = Progress(logger, "upgrading stored articles")
            for key in self.redis.scan_iter(match=pattern, count=BATCH):
                found.append(key)
                if len(found) == BATCH:
                    renamed += int(self._rename_fields(keys=found, args=pairs))
                    progress.add(len(found))
                    found = []
            if found:
                renamed += int(self._rename_fields(keys=found, args=pairs))
                progress.add(len(found))
            progress.finish()
        if stored < 4:
            self._store_sites()
        with self.redis.pipeline(transaction=False) as pipe:
            for source in self.redis.smembers(self.keys.sources):
                name = as_text(source)
                for status in Status:
                    pipe.sinterstore(
                        self.keys.source_status(name, status),
                        [self.keys.source_articles(name), self.keys.status(status)],
                    )
            pipe.execute()
        self.redis.set(self.keys.schema, SCHEMA)
        return renamed

    def _store_sites(self) -> None:
        """Stores the site of each article and endpoint hash that has none (schema 3 and
        earlier derived it where it was read, and a script derived it its own way)."""
        fields = [ARTICLE_FIELDS[name] for name in ("site", "url", "location")]
        pattern = _glob_escape(self.keys.article_prefix) + "*"
        progress = Progress(logger, "storing the site of each article")
        found: list[bytes] = []

        def store(keys: list[bytes]) -> None:
            with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(key, fields)
                rows = pipe.execute()
                for key, (site, url, location) in zip(keys, rows, strict=True):
                    if not site and (url or location):
                        where = as_text(location or b"") or as_text(url or b"")
                        pipe.hset(key, ARTICLE_FIELDS["site"], site_of(where))
                pipe.execute()
            progress.add(len(keys))

        for key in self.redis.scan_iter(match=pattern, count=BATCH):
            found.append(key)
            if len(found) == BATCH:
                store(found)
                found = []
        store(found)
        progress.finish()

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
            for stored in _events(entries):
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

    def timeline(self, article_id: str) -> list[StoredEvent]:
        """Returns one article's change events, oldest first."""
        ids = [as_text(i) for i in self.redis.lrange(self.keys.timeline(article_id), 0, -1)]
        with self.redis.pipeline(transaction=False) as pipe:
            for event_id in ids:
                pipe.xrange(self.keys.events, event_id, event_id)
            return _events([entry for found in pipe.execute() for entry in found])

    def source_names(self) -> list[str]:
        """Every source that has had an article, by name."""
        return sorted(as_text(s) for s in self.redis.smembers(self.keys.sources))

    def has_source(self, source: str) -> bool:
        """True when an article ever belonged to the source."""
        return bool(self.redis.exists(self.keys.source_articles(source)))

    def source_article_ids(self, source: str) -> list[str]:
        """The ids of one source's articles (removed ones too: their history is kept)."""
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

    def sites(self, now: float) -> list[SiteHealth]:
        """Every site checked so far, with its health as of ``now``, by name."""
        names = sorted(as_text(s) for s in self.redis.smembers(self.keys.sites))
        last = int(now // 3600)
        hours = range(last - HEALTH_HOURS + 1, last + 1)
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.keys.site(name))
                for hour in hours:
                    pipe.hgetall(self.keys.site_pages(name, hour))
            replies = pipe.execute()
        step = 1 + len(hours)
        return [
            SiteHealth.from_fields(
                name,
                replies[i * step],
                ExtractionHealth.from_hours(replies[i * step + 1 : (i + 1) * step]),
                self.templates.summary(name),
            )
            for i, name in enumerate(names)
        ]

    def source_totals(self, source: str) -> dict[str, int]:
        """One source's counters (:data:`COUNTERS`) since it was first checked."""
        raw = self.redis.hgetall(self.keys.source_totals(source))
        found = {as_text(k): int(v) for k, v in raw.items()}
        return {counter: found.get(counter, 0) for counter in COUNTERS}

    def source_extraction(self, source: str, now: float, hours: int) -> ExtractionHealth:
        """How one source's pages were read in the last ``hours`` hours up to ``now``."""
        last = int(now // 3600)
        with self.redis.pipeline(transaction=False) as pipe:
            for hour in range(last - hours + 1, last + 1):
                pipe.hgetall(self.keys.source_pages(source, hour))
            return ExtractionHealth.from_hours(pipe.execute())

    def counters(self, now: float, minutes: int = 60) -> dict[str, int]:
        """The counters (checks, changes, errors, extraction_failures) of the last
        ``minutes`` minutes up to ``now``."""
        last = int(now // 60)
        with self.redis.pipeline(transaction=False) as pipe:
            for minute in range(last - minutes + 1, last + 1):
                pipe.hgetall(self.keys.stats(minute))
            totals = dict.fromkeys(COUNTERS, 0)
            for raw in pipe.execute():
                for name, value in raw.items():
                    if as_text(name) in totals:
                        totals[as_text(name)] += int(value)
        return totals

    def latest_event_id(self, *, source: str = "", kind: str = "") -> str:
        """The id of the newest change event ("" when there is none), of one source and
        one change kind when given."""
        newest = self.redis.xrevrange(self.keys.event_index(source, kind), "+", "-", count=1)
        return as_text(newest[0][0]) if newest else ""

    # -- tracking --------------------------------------------------------------------------

    def sync_tracked(self, targets: list[TrackTarget], now: float) -> SyncReport:
        """Makes the tracked set match the URLs file.

        New URLs are tracked and due at once; URLs no longer listed become ``removed`` and
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
                    if state.status is Status.REMOVED:
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
                self._change_status(pipe, article_id, Status.REMOVED, next_check="", canonical="")
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
        removed the article), nothing is written and ``plan`` is called again on the new
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
        self._count(pipe, site, update, now)
        self.queue.done(pipe, state.id, site, state.next_check)

    def _count(self, pipe: Pipeline, site: str, update: Update, now: float) -> None:
        """Queues the site's, the source's and the minute's counters for one check."""
        skey = self.keys.site(site)
        pipe.sadd(self.keys.sites, site)
        pipe.hincrby(skey, "checks", 1)
        if update.site_failed:
            pipe.hincrby(skey, "failures", 1)
            pipe.hincrby(skey, "consecutive", 1)
            pipe.hset(skey, "last_error", update.state.last_error)
        elif update.site_ok:
            pipe.hset(skey, mapping={"consecutive": 0, "last_ok": now})
        if update.site_backoff_until is not None:
            pipe.hset(skey, "backoff_until", update.site_backoff_until)
        if update.extraction_failed:
            pipe.hincrby(skey, "extraction_failures", 1)
        source = update.state.source
        hour = int(now // 3600)
        for pages in (self.keys.site_pages(site, hour), self.keys.source_pages(source, hour)):
            self._count_page(pipe, pages, update)
        stats = self.keys.stats(int(now // 60))
        counts = {
            "checks": 1,
            "changes": int(update.event is not None),
            "errors": int(update.finding is Finding.FAILED),
            "extraction_failures": int(update.extraction_failed),
        }
        for name, count in counts.items():
            if count:
                pipe.hincrby(stats, name, count)
                pipe.hincrby(self.keys.source_totals(source), name, count)
        pipe.expire(stats, STATS_TTL)

    def _count_page(self, pipe: Pipeline, key: str, update: Update) -> None:
        """Queues one check on hourly page counters (a site's or a source's extraction
        health) at ``key``."""
        not_html = update.finding is Finding.NOT_HTML
        if not (update.layer or update.extraction_failed or not_html):
            return  # no content came: nothing to say about extraction
        counts = {
            "pages": 1,
            f"layer:{update.layer}": int(bool(update.layer)),
            "fell_back": int(update.fell_back),
            "failed": int(update.extraction_failed),
            "not_html": int(not_html),
        }
        for name, count in counts.items():
            if count:
                pipe.hincrby(key, name, count)
        pipe.expire(key, PAGES_TTL)


class _WatchedHistory:
    """An article's history read through a pipeline in its WATCH phase (see
    :class:`crawler.check.History`); keys read here are watched too."""

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
        return status is not None and as_text(status) != Status.REMOVED

    def site_failures(self) -> int:
        value = self.pipe.hget(self.keys.site(self.state.site), "consecutive")
        return int(value) if value is not None else 0

    def template(self, marks: Collection[str], places: Collection[str]) -> Evidence:
        """Read apart from the transaction: other workers teach the site all the time, and
        what they teach must not make this check start again."""
        return self.templates.evidence(self.state.site, marks, places)


def _events(entries: list[Any]) -> list[StoredEvent]:
    """Decodes stream entries; unreadable ones are logged and skipped, never fatal."""
    events = []
    for entry_id, entry in entries:
        try:
            event = unpack(ChangeEvent, (entry or {}).get(b"data"))
        except CodecError as exc:
            logger.error("skipping unreadable event %s: %s", as_text(entry_id), exc)
            continue
        events.append(StoredEvent(as_text(entry_id), event))
    return events


def _glob_escape(text: str) -> str:
    """``text`` as a ``SCAN MATCH`` pattern that matches only itself."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
