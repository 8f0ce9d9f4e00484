"""Other layouts of the article hash, measured on the population's own hashes.

Each layout rewrites every article's hash (as read with ``HGETALL``) and writes it, under
the same key name, to a scratch database of the same server, where ``MEMORY USAGE`` weighs
it; the scratch database is emptied after each layout. A layout may also raise the longest
value a compact (listpack/ziplist) hash may hold (``hash-max-listpack-value`` in Redis 7,
``hash-max-ziplist-value`` in 6, default 64 bytes): one longer value, such as a URL or a
headline, turns the whole hash into a hash table. The setting is put back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.domain.models import ARTICLE_FIELDS
from crawler.store.connection import connect

if TYPE_CHECKING:
    from redis import Redis

    from crawler.store.keys import Keys

# Hashes written per round trip.
BATCH = 1000
# The database the rewritten hashes go to.
SCRATCH_DB = 1
# The hash fields that hold epoch seconds or durations.
ROUNDED_FIELDS = frozenset(
    ARTICLE_FIELDS[name].encode()
    for name in ("created", "last_check", "last_claim", "last_change", "next_check", "interval")
)

Fields = dict[bytes, bytes]


@dataclass(frozen=True)
class Layout:
    """A way to store the article hash.

    Attributes:
        name: What it changes, in words.
        rewrite: Turns a stored hash into this layout's.
        value_limit: The longest compact-hash value to allow while it is measured (None:
            the server's setting).
    """

    name: str
    rewrite: Callable[[Fields], Fields]
    value_limit: int | None = None


@dataclass(frozen=True)
class LayoutFigure:
    """What one layout measured.

    Attributes:
        name: The layout.
        value_limit: The compact-hash value limit in force.
        bytes_per_article: ``MEMORY USAGE`` of an article's hash, on average.
        compact: The share of hashes Redis kept compact (listpack or ziplist).
    """

    name: str
    value_limit: int
    bytes_per_article: float
    compact: float


def as_stored(raw: Fields) -> Fields:
    """The hash as redline writes it."""
    return dict(raw)


def whole_seconds(raw: Fields) -> Fields:
    """Times and durations in whole seconds (``1715680060``, not ``1715680060.25``):
    a compact hash then stores them as integers."""
    rounded = dict(raw)
    for name, value in raw.items():
        if value and name in ROUNDED_FIELDS:
            rounded[name] = str(round(float(value))).encode()
    return rounded


# Redis's own default for the compact-hash value limit (redline's embedded server raises
# it): what an external Redis left at its defaults does.
DEFAULT_LIMIT = 64

LAYOUTS = (
    Layout("as stored", as_stored),
    Layout("times in whole seconds", whole_seconds),
    Layout("as stored, Redis's default limit", as_stored, DEFAULT_LIMIT),
)


def measure_layouts(
    redis: Redis, url: str, keys: Keys, ids: list[str], setting: tuple[str, int]
) -> list[LayoutFigure]:
    """Weighs every layout of :data:`LAYOUTS` on the hashes of the articles ``ids``.

    Args:
        redis: A client of the population's database.
        url: The server's URL (the scratch database is reached through it).
        keys: The key names.
        ids: The articles.
        setting: The compact-hash value setting's name and value (see
            :func:`bench.redis.memory.hash_value_limit`).
    """
    names = [keys.article(i) for i in ids]
    stored: list[Fields] = []
    for start in range(0, len(names), BATCH):
        with redis.pipeline(transaction=False) as pipe:
            for name in names[start : start + BATCH]:
                pipe.hgetall(name)
            stored += pipe.execute()
    scratch = connect(f"{url}?db={SCRATCH_DB}")
    setting_name, configured = setting
    figures = []
    try:
        scratch.flushdb()
        for layout in LAYOUTS:
            limit = layout.value_limit or configured
            scratch.config_set(setting_name, limit)
            figures.append(_weigh(scratch, layout, names, stored, limit))
            scratch.flushdb()
    finally:
        scratch.config_set(setting_name, configured)
        scratch.flushdb()
        scratch.close()
    return figures


def _weigh(
    scratch: Redis, layout: Layout, names: list[str], stored: list[Fields], limit: int
) -> LayoutFigure:
    total = compact_count = 0
    for start in range(0, len(names), BATCH):
        chunk = list(zip(names[start : start + BATCH], stored[start : start + BATCH], strict=True))
        with scratch.pipeline(transaction=False) as pipe:
            for name, raw in chunk:
                pipe.hset(name, mapping=layout.rewrite(raw))  # type: ignore[arg-type]
            for name, _ in chunk:
                pipe.memory_usage(name, samples=0)
                pipe.object("encoding", name)
            replies = pipe.execute()[len(chunk) :]
        total += sum(int(size) for size in replies[0::2])
        compact_count += sum(enc in (b"listpack", b"ziplist") for enc in replies[1::2])
    return LayoutFigure(layout.name, limit, total / len(names), compact_count / len(names))
