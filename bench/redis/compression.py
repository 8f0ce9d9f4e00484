"""How well stored versions compress, as redline stores them and in other ways.

Versions are stored as :mod:`crawler.store.chain` makes them: the JSON
(:func:`crawler.domain.codec.to_json`) of the first compressed with zstd at level 6, each later
one compressed with the JSON of the version before it as its dictionary (a delta). The
ratio reported is the JSON's bytes over the blobs', summed over all versions measured.

Two sets of texts, three versions each (the first as published, then two rounds of the
small edits of :func:`bench.redis.article.edited`):

- the generated typical article, as the population stores it (its blobs are read back
  from Redis);
- real news articles: the pages of the extraction benchmark's data set read by
  :func:`crawler.extraction.extract.extract_page`, those of 300 to 2,000 words. Generated text is
  more regular than real text and compresses better, so these are the figures to trust.

Other ways to store the same versions, each measured on the same texts:

- each version compressed whole, as earlier releases stored them;
- the same at a higher zstd level;
- each version whole with a zstd dictionary trained (``zstandard.train_dictionary``) on
  other articles' versions: for real texts, two-fold (trained on every other article,
  tried on the rest, and the other way round), so no article is compressed with a
  dictionary trained on itself; for generated text, trained on articles generated from
  other seeds;
- the first version with the trained dictionary, the others as deltas.

For each, the versions list an article would have in Redis is weighed as well: the blobs
are pushed to a list in a scratch database and measured with ``MEMORY USAGE``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import zstandard

from bench.extraction.pages import load_pages, page_ids
from bench.redis.article import SEED, edited, typical_article, words
from crawler.domain.codec import from_json, to_json
from crawler.domain.hashing import fingerprint
from crawler.domain.models import Version
from crawler.extraction.extract import ExtractionError, extract_page
from crawler.store import chain
from crawler.store.connection import connect

if TYPE_CHECKING:
    from pathlib import Path

    from redis import Redis

    from crawler.domain.models import Article

# Versions per article.
VERSIONS = 3
# The names of the two sets of texts.
GENERATED = "generated"
REAL = "real"
# Real articles taken: those with this many words, at least and at most.
MIN_WORDS = 300
MAX_WORDS = 2000
# The zstd level redline uses (crawler.domain.codec), and the higher one tried.
LEVEL = 6
HIGH_LEVEL = 19
# Bytes of the trained dictionary.
DICTIONARY_SIZE = 32 * 1024
# Generated articles (other seeds) the generated text's dictionary is trained on.
TRAINING_ARTICLES = 60
# The database the versions lists are weighed in.
SCRATCH_DB = 2
# When versions are recorded: the first, then one per hour.
RECORDED_AT = 1_715_680_060.25

# The raw JSON of each article's versions, oldest first.
Texts = list[list[bytes]]
# Stores one article's versions: their JSON in, the blobs out.
Method = Callable[[list[bytes]], list[bytes]]


@dataclass(frozen=True)
class Ratio:
    """One way of storing one set of texts.

    Attributes:
        texts: Which texts.
        method: How they are stored.
        articles: How many articles.
        raw: Bytes of the versions' JSON, all together.
        stored: Bytes of the stored blobs, all together.
        list_bytes: ``MEMORY USAGE`` of an article's versions list, on average.
    """

    texts: str
    method: str
    articles: int
    raw: int
    stored: int
    list_bytes: float

    @property
    def ratio(self) -> float:
        """Raw bytes per stored byte."""
        return self.raw / self.stored if self.stored else 0.0


def versions_of(article: Article, url: str, extractor: str) -> list[Version]:
    """The :data:`VERSIONS` versions of ``article`` as redline would record them."""
    versions = []
    for number in range(VERSIONS):
        text = edited(article, number)
        versions.append(
            Version(
                number=number,
                recorded_at=RECORDED_AT + 3600.5 * number,
                digest=fingerprint(text),
                article=text,
                url=url,
                extractor=extractor,
            )
        )
    return versions


def raw_json(versions: list[Version]) -> list[bytes]:
    """The JSON :func:`crawler.domain.codec.pack` compresses, of each version."""
    return [to_json(v).encode("utf-8") for v in versions]


def real_texts(data: Path) -> Texts:
    """The versions of the data set's articles of :data:`MIN_WORDS` to :data:`MAX_WORDS`
    words, as the extractor reads them.

    Raises:
        FileNotFoundError: ``data`` holds no data set.
    """
    texts = []
    for page in load_pages(data, page_ids(data)):
        try:
            found = extract_page(page.html, page.url)
        except ExtractionError:
            continue
        if MIN_WORDS <= words(found.article.paragraphs) <= MAX_WORDS:
            texts.append(raw_json(versions_of(found.article, page.url, found.extractor)))
    return texts


def generated_training(url: str, extractor: str) -> Texts:
    """Generated articles other than the typical one, to train a dictionary on."""
    return [
        raw_json(versions_of(typical_article(SEED + n), url, extractor))
        for n in range(1, TRAINING_ARTICLES + 1)
    ]


def as_stored(article: list[bytes]) -> list[bytes]:
    """The versions as redline stores them (:mod:`crawler.store.chain`): the first whole, each
    later one a delta from the version before it."""
    blobs = []
    previous = b""
    for raw in article:
        blobs.append(chain.encode(from_json(Version, raw), previous))
        previous = raw
    return blobs


def whole(article: list[bytes]) -> list[bytes]:
    """Each version compressed whole at redline's level (as earlier releases stored them)."""
    compressor = zstandard.ZstdCompressor(level=LEVEL)
    return [compressor.compress(raw) for raw in article]


def high_level(article: list[bytes]) -> list[bytes]:
    """Each version compressed at :data:`HIGH_LEVEL`."""
    compressor = zstandard.ZstdCompressor(level=HIGH_LEVEL)
    return [compressor.compress(raw) for raw in article]


def with_dictionary(dictionary: zstandard.ZstdCompressionDict) -> Method:
    """Each version compressed with ``dictionary``."""

    def store(article: list[bytes]) -> list[bytes]:
        compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary)
        return [compressor.compress(raw) for raw in article]

    return store


def as_deltas(first: Method) -> Method:
    """The first version stored by ``first``, each later one as a zstd delta from the
    version before it."""

    def store(article: list[bytes]) -> list[bytes]:
        blobs = first(article[:1])
        for previous, raw in itertools.pairwise(article):
            base = zstandard.ZstdCompressionDict(previous, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            blobs.append(zstandard.ZstdCompressor(level=LEVEL, dict_data=base).compress(raw))
        return blobs

    return store


def train(articles: Texts) -> zstandard.ZstdCompressionDict:
    """A dictionary trained on every version of ``articles``."""
    samples: list[bytes | bytearray | memoryview] = [raw for article in articles for raw in article]
    return zstandard.train_dictionary(DICTIONARY_SIZE, samples, level=LEVEL)


def measure(
    name: str,
    texts: Texts,
    training: Texts | None,
    url: str,
    list_key: Callable[[int], str],
) -> list[Ratio]:
    """Every way of storing ``texts``.

    Args:
        name: What the texts are.
        texts: The articles' versions.
        training: Articles to train the dictionary on; None to train two-fold on
            ``texts`` themselves (see the module docstring).
        url: The Redis URL (its scratch database weighs the lists).
        list_key: The name of the n-th article's versions list.
    """
    halves: tuple[Texts, ...]
    dictionaries: tuple[zstandard.ZstdCompressionDict, ...]
    if training is None:
        halves = (texts[0::2], texts[1::2])
        dictionaries = (train(halves[1]), train(halves[0]))
    else:
        halves = (texts,)
        dictionaries = (train(training),)
    size = f"{DICTIONARY_SIZE // 1024} KiB"

    def folded(make: Callable[[zstandard.ZstdCompressionDict], Method]) -> list[list[bytes]]:
        return [
            make(dictionary)(article)
            for half, dictionary in zip(halves, dictionaries, strict=True)
            for article in half
        ]

    ordered = [article for half in halves for article in half]
    stored: dict[str, list[list[bytes]]] = {
        f"as stored: zstd {LEVEL}, deltas from the previous version": [
            as_stored(a) for a in ordered
        ],
        f"zstd {LEVEL}, each version whole": [whole(a) for a in ordered],
        f"zstd {HIGH_LEVEL}, each version whole": [high_level(a) for a in ordered],
        f"zstd {LEVEL} + {size} trained dictionary, whole": folded(with_dictionary),
        "trained dictionary, then deltas": folded(lambda d: as_deltas(with_dictionary(d))),
    }
    raw = sum(len(v) for article in ordered for v in article)
    scratch = connect(f"{url}?db={SCRATCH_DB}")
    try:
        return [
            Ratio(
                name,
                method,
                len(ordered),
                raw,
                sum(len(b) for article in blobs for b in article),
                _list_bytes(scratch, blobs, list_key),
            )
            for method, blobs in stored.items()
        ]
    finally:
        scratch.flushdb()
        scratch.close()


def _list_bytes(scratch: Redis, blobs: list[list[bytes]], list_key: Callable[[int], str]) -> float:
    """``MEMORY USAGE`` of a versions list holding each article's blobs, on average."""
    scratch.flushdb()
    with scratch.pipeline(transaction=False) as pipe:
        for n, article in enumerate(blobs):
            for blob in article:
                pipe.rpush(list_key(n), blob)
        for n in range(len(blobs)):
            pipe.memory_usage(list_key(n), samples=0)
        sizes = pipe.execute()[-len(blobs) :]
    return sum(int(s) for s in sizes) / len(blobs)


def stored_texts(redis: Redis, key: str) -> list[bytes]:
    """The JSON of the versions stored in the versions list at ``key``.

    Raises:
        ValueError: :func:`as_stored` does not make the very blobs stored there (then the
            "as stored" figures would not be redline's).
    """
    blobs = cast("list[bytes]", redis.lrange(key, 0, -1))
    texts = [raw for _, raw in chain.decode(blobs)]
    if as_stored(texts) != blobs:
        raise ValueError(f"the blobs of {key} are not what crawler.store.chain makes of their JSON")
    return texts
