"""Each site's template evidence in Redis: learned from every page any worker reads,
shared by all workers, kept across restarts, bounded in size.

The evidence and the judgement are :mod:`crawler.detection.template`'s; this module is the one
writer of the keys that hold it (``site:{site}:blocks``, ``site:{site}:places``,
``site:{site}:articles``, see :mod:`crawler.store.keys`). A lesson is written by one Lua script,
inside the transaction that records the check that taught it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.detection.template import (
    MAX_ARTICLES,
    BlockSeen,
    Evidence,
    Lesson,
    PlaceSeen,
    template_reason,
    volatile_reason,
)
from crawler.domain.codec import as_text
from crawler.store.lua import Lua

if TYPE_CHECKING:
    from collections.abc import Collection

    from redis import Redis
    from redis.client import Pipeline

    from crawler.store.keys import Keys

MAX_BLOCKS = 3000
"""The most blocks of text a site's evidence keeps; beyond, a random tenth is forgotten."""

MAX_PLACES = 500
"""The most places a site's evidence keeps; beyond, a random tenth is forgotten."""

# KEYS: blocks, places, articles. ARGV: token, max articles per block, max blocks, max
# places, then four counts and the lists they count: marks read, marks that flickered,
# places that flickered, places that held. A block is stored as "articles|flickers", a
# place as "flickers|steady".
_LEARN = """
local token = ARGV[1]
local max_articles = tonumber(ARGV[2])
local counts = {}
for n = 1, 4 do counts[n] = tonumber(ARGV[4 + n]) end
local lists, at = {}, 9
for n = 1, 4 do
  lists[n] = {}
  for k = at, at + counts[n] - 1 do lists[n][#lists[n] + 1] = ARGV[k] end
  at = at + counts[n]
end
local flickered = {}
for _, m in ipairs(lists[2]) do flickered[m] = 1 end
local function block(m)
  local articles, f = string.match(redis.call('HGET', KEYS[1], m) or '|0', '^([^|]*)|(%d+)$')
  articles = articles or ''
  f = (tonumber(f) or 0) + (flickered[m] or 0)
  if not string.find(',' .. articles .. ',', ',' .. token .. ',', 1, true) then
    local count = 0
    if articles ~= '' then count = select(2, string.gsub(articles, ',', ',')) + 1 end
    if count < max_articles then
      if articles == '' then articles = token else articles = articles .. ',' .. token end
    end
  end
  redis.call('HSET', KEYS[1], m, articles .. '|' .. f)
end
local done = {}
for n = 1, 2 do
  for _, m in ipairs(lists[n]) do
    if not done[m] then block(m) end
    done[m] = true
  end
end
local function place(p, flicker, steady)
  local a, b = string.match(redis.call('HGET', KEYS[2], p) or '0|0', '^(%d+)|(%d+)$')
  a, b = (tonumber(a) or 0) + flicker, (tonumber(b) or 0) + steady
  redis.call('HSET', KEYS[2], p, a .. '|' .. b)
end
for _, p in ipairs(lists[3]) do place(p, 1, 0) end
for _, p in ipairs(lists[4]) do place(p, 0, 1) end
redis.call('PFADD', KEYS[3], token)
for n, limit in ipairs({tonumber(ARGV[3]), tonumber(ARGV[4])}) do
  local size = redis.call('HLEN', KEYS[n])
  if size > limit then
    local doomed = redis.call('HRANDFIELD', KEYS[n], size - limit + math.ceil(limit / 10))
    redis.call('HDEL', KEYS[n], unpack(doomed))
  end
end
return 1
"""


@dataclass(frozen=True)
class TemplateSummary:
    """How much of a site's template was learned.

    Attributes:
        articles: The site's articles whose pages taught it (an estimate).
        blocks: Blocks of text the evidence holds.
        template: Of those, the blocks judged template (on any article of the site).
        volatile: Places judged volatile.
    """

    articles: int = 0
    blocks: int = 0
    template: int = 0
    volatile: int = 0

    @property
    def text(self) -> str:
        """What was learned, in one line for people."""
        return (
            f"template: {self.template} of {self.blocks} blocks of text seen are the"
            f" site's, learned from {self.articles} articles; {self.volatile} volatile places"
        )


class SiteTemplates:
    """Reads and writes the template evidence of every site.

    Args:
        redis: A client with ``decode_responses=False``.
        keys: The key names.
    """

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._learn = Lua(redis, _LEARN)

    def evidence(self, site: str, marks: Collection[str], places: Collection[str]) -> Evidence:
        """What the site's evidence says of these marks and places (one round trip)."""
        marks, places = sorted(marks), sorted(p for p in places if p)
        pipe = self.redis.pipeline(transaction=False)
        if marks:
            pipe.hmget(self.keys.site_blocks(site), marks)
        if places:
            pipe.hmget(self.keys.site_places(site), places)
        pipe.pfcount(self.keys.site_articles(site))
        replies = pipe.execute()
        blocks = replies.pop(0) if marks else []
        held = replies.pop(0) if places else []
        return Evidence(
            blocks={m: _block(raw) for m, raw in zip(marks, blocks, strict=True) if raw},
            places={p: _place(raw) for p, raw in zip(places, held, strict=True) if raw},
            pages=int(replies[0]),
        )

    def learn(self, site: str, lesson: Lesson, pipe: Pipeline) -> None:
        """Queues ``lesson`` on ``pipe`` (in the transaction of the check that taught it)."""
        lists = (lesson.blocks, lesson.flickered, lesson.flickering, lesson.steady)
        self._learn(
            keys=[
                self.keys.site_blocks(site),
                self.keys.site_places(site),
                self.keys.site_articles(site),
            ],
            args=[
                lesson.token,
                MAX_ARTICLES,
                MAX_BLOCKS,
                MAX_PLACES,
                *(len(items) for items in lists),
                *(item for items in lists for item in items),
            ],
            client=pipe,
        )

    def summary(self, site: str) -> TemplateSummary:
        """How much of the site's template was learned (reads all its evidence)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.site_blocks(site))
        pipe.hgetall(self.keys.site_places(site))
        pipe.pfcount(self.keys.site_articles(site))
        blocks_raw, places_raw, articles = pipe.execute()
        blocks = [_block(raw) for raw in blocks_raw.values()]
        places = [_place(raw) for raw in places_raw.values()]
        pages = int(articles)
        template = sum(1 for seen in blocks if template_reason(seen))
        volatile = sum(1 for seen in places if volatile_reason(seen))
        return TemplateSummary(pages, len(blocks), template, volatile)


def _block(raw: bytes | str) -> BlockSeen:
    articles, _, flickers = as_text(raw).partition("|")
    return BlockSeen(tuple(a for a in articles.split(",") if a), int(flickers or 0))


def _place(raw: bytes | str) -> PlaceSeen:
    flickers, _, steady = as_text(raw).partition("|")
    return PlaceSeen(int(flickers or 0), int(steady or 0))
