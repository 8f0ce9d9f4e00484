"""Versions stored as deltas from the version before (pure: no Redis)."""

from __future__ import annotations

import random

import pytest

from crawler.domain.codec import CodecError, is_delta, pack
from crawler.domain.models import Article, Version
from crawler.store import chain

_WORDS = random.Random(1).choices(
    ["minister", "said", "report", "on", "the", "council", "budget", "police", "city", "a"], k=800
)
PARAGRAPHS = tuple(" ".join(_WORDS[n : n + 20]) for n in range(0, 800, 20))


def version(number: int) -> Version:
    """Version ``number``: the story with one more paragraph edited each time."""
    edited = tuple(f"{p} Edit {number}." if i < number else p for i, p in enumerate(PARAGRAPHS))
    return Version(
        number, 1000.0 + number, f"digest{number}", Article("Title", "By", edited), "u", "x"
    )


def stored(count: int) -> list[bytes]:
    """The blobs of ``count`` versions, written one after the other as the store does."""
    blobs: list[bytes] = []
    previous = b""
    for number in range(count):
        blobs.append(chain.encode(version(number), previous))
        previous = chain.decode(blobs[chain.first_to_read(len(blobs)) :])[-1][1]
    return blobs


def test_versions_after_the_first_are_small_deltas_and_read_back_exactly() -> None:
    blobs = stored(40)
    assert [v for v, _ in chain.decode(blobs)] == [version(n) for n in range(40)]
    whole = [n for n, blob in enumerate(blobs) if not is_delta(blob)]
    assert whole == [0, chain.KEYFRAME, 2 * chain.KEYFRAME]
    assert max(len(b) for b in blobs if is_delta(b)) * 4 < min(
        len(b) for b in blobs if not is_delta(b)
    )


def test_the_latest_version_is_read_from_its_keyframe_on() -> None:
    blobs = stored(chain.KEYFRAME + 3)
    start = chain.first_to_read(len(blobs))
    assert start == chain.KEYFRAME
    assert chain.decode(blobs[start:])[-1][0] == version(chain.KEYFRAME + 2)
    assert chain.first_to_read(0) == chain.first_to_read(1) == 0
    assert chain.first_to_read(chain.KEYFRAME) == 0


def test_a_delta_without_its_base_is_an_error_not_a_wrong_version() -> None:
    blobs = stored(3)
    with pytest.raises(CodecError, match="delta"):
        chain.decode(blobs[1:])


def test_versions_stored_whole_by_earlier_releases_read_among_deltas() -> None:
    blobs = [pack(version(0)), pack(version(1))]  # as earlier releases stored them
    blobs.append(chain.encode(version(2), chain.decode(blobs)[-1][1]))
    assert is_delta(blobs[2])
    assert [v for v, _ in chain.decode(blobs)] == [version(0), version(1), version(2)]
