"""Bringing data stored under an earlier schema up to :data:`crawler.store.keys.SCHEMA`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.domain.codec import as_text
from crawler.domain.diff import ChangeKind
from crawler.domain.identity import site_of
from crawler.domain.models import ARTICLE_FIELDS, Status
from crawler.domain.progress import Progress
from crawler.store.keys import SCHEMA
from crawler.store.lua import Lua

if TYPE_CHECKING:
    from crawler.store.articles import ArticleStore

logger = logging.getLogger(__name__)

# How many keys to rewrite per round trip.
BATCH = 1000
# What schema 4 and earlier called an untracked article's status and a gone page's change.
_OLD_STATUS = "removed"
_OLD_KIND = "removed"
OLD_KINDS = {_OLD_KIND: ChangeKind.GONE.value}
"""The kinds events stored under an earlier schema name by another word, and the word."""

# KEYS: article hashes. ARGV: the status field, the old status, the new status.
_RENAME_STATUS = """
for _, key in ipairs(KEYS) do
  if redis.call('HGET', key, ARGV[1]) == ARGV[2] then redis.call('HSET', key, ARGV[1], ARGV[3]) end
end
return #KEYS
"""

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


def upgrade(store: ArticleStore) -> int:
    """Brings data stored under an earlier schema up to :data:`crawler.store.keys.SCHEMA`;
    returns how many article hashes were rewritten.

    Schema 1 named the article hash's fields after the attributes of
    :class:`crawler.domain.models.ArticleState`; they are renamed by
    :data:`crawler.domain.models.ARTICLE_FIELDS`, each hash atomically. Schemas 1 and 2 had no
    status sets per source: they are built from the sources' article sets and the status sets.
    Schemas 1 to 3 may lack the site of an article or an endpoint in its hash: it is stored.
    Schemas 1 to 4 said "removed" of an untracked article and of a gone page's change: the
    statuses are renamed, and the kind's index streams (events stored then keep the old
    word, read as the new one: :data:`OLD_KINDS`). The
    clock runs it before it reads any article; an article a worker passed over meanwhile (it could
    not read the hash) is put back in the schedule by the clock's next sync. Once done it returns at
    once.
    """
    stored = int(store.redis.get(store.keys.schema) or 1)
    if stored >= SCHEMA:
        return 0
    renamed = 0
    if stored < 2:
        rename = Lua(store.redis, _RENAME_FIELDS)
        pairs = [name for pair in ARTICLE_FIELDS.items() for name in pair]
        found: list[bytes] = []
        pattern = _glob_escape(store.keys.article_prefix) + "*"
        progress = Progress(logger, "upgrading stored articles")
        for key in store.redis.scan_iter(match=pattern, count=BATCH):
            found.append(key)
            if len(found) == BATCH:
                renamed += int(rename(keys=found, args=pairs))
                progress.add(len(found))
                found = []
        if found:
            renamed += int(rename(keys=found, args=pairs))
            progress.add(len(found))
        progress.finish()
    if stored < 4:
        _store_sites(store)
    sources = [as_text(source) for source in store.redis.smembers(store.keys.sources)]
    if stored < 5:
        _rename_words(store, sources)
    with store.redis.pipeline(transaction=False) as pipe:
        for name in sources:
            for status in Status:
                pipe.sinterstore(
                    store.keys.source_status(name, status),
                    [store.keys.source_articles(name), store.keys.status(status)],
                )
        pipe.execute()
    store.redis.set(store.keys.schema, SCHEMA)
    return renamed


def _rename_words(store: ArticleStore, sources: list[str]) -> None:
    """Renames the status "removed" to "untracked" (each article's, and the status sets)
    and the change kind "removed" to "gone" (its index streams)."""
    keys = store.keys
    rename = Lua(store.redis, _RENAME_STATUS)
    members = [keys.article(as_text(m)) for m in store.redis.smembers(keys.status(_OLD_STATUS))]
    for start in range(0, len(members), BATCH):
        rename(
            keys=members[start : start + BATCH],
            args=[ARTICLE_FIELDS["status"], _OLD_STATUS, Status.UNTRACKED],
        )
    with store.redis.pipeline(transaction=True) as pipe:
        pipe.sunionstore(
            keys.status(Status.UNTRACKED), [keys.status(Status.UNTRACKED), keys.status(_OLD_STATUS)]
        )
        pipe.delete(
            keys.status(_OLD_STATUS), *(keys.source_status(s, _OLD_STATUS) for s in sources)
        )
        pipe.execute()
    for source in ("", *sources):
        old, new = keys.event_index(source, _OLD_KIND), keys.event_index(source, ChangeKind.GONE)
        if store.redis.exists(old) and not store.redis.renamenx(old, new):
            logger.warning("%s and %s both exist: %s is left as it is", old, new, old)


def _store_sites(store: ArticleStore) -> None:
    """Stores the site of each article and endpoint hash that has none (schema 3 and
    earlier derived it where it was read, and a script derived it its own way)."""
    fields = [ARTICLE_FIELDS[name] for name in ("site", "url", "location")]
    pattern = _glob_escape(store.keys.article_prefix) + "*"
    progress = Progress(logger, "storing the site of each article")
    found: list[bytes] = []

    def write(keys: list[bytes]) -> None:
        with store.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, fields)
            rows = pipe.execute()
            for key, (site, url, location) in zip(keys, rows, strict=True):
                if not site and (url or location):
                    where = as_text(location or b"") or as_text(url or b"")
                    pipe.hset(key, ARTICLE_FIELDS["site"], site_of(where))
            pipe.execute()
        progress.add(len(keys))

    for key in store.redis.scan_iter(match=pattern, count=BATCH):
        found.append(key)
        if len(found) == BATCH:
            write(found)
            found = []
    write(found)
    progress.finish()


def _glob_escape(text: str) -> str:
    """``text`` as a ``SCAN MATCH`` pattern that matches only itself."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
