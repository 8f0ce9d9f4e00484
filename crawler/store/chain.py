"""How an article's versions are stored: each one a zstd delta from the version before.

Consecutive versions of an article share almost all of their text, so version ``n`` is
compressed with the JSON of version ``n - 1`` as its dictionary
(:func:`crawler.domain.codec.compress`) and only what changed takes room. Every
:data:`KEYFRAME`-th version is stored whole, so the latest version is read from at most
:data:`KEYFRAME` blobs. A list may also hold versions stored whole at any place (as
earlier releases stored every version): they read as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.domain.codec import compress, decompress, from_json, to_json
from crawler.domain.models import Version

if TYPE_CHECKING:
    from collections.abc import Iterable

# Versions 0, KEYFRAME, 2 * KEYFRAME, ... are stored whole.
KEYFRAME = 16


def encode(version: Version, previous: bytes) -> bytes:
    """The blob to store for ``version``.

    Args:
        version: The version.
        previous: The JSON of the version before it (see :func:`decode`); not used for a
            version stored whole.
    """
    base = previous if version.number % KEYFRAME else b""
    return compress(to_json(version).encode("utf-8"), base)


def needs_previous(version: Version) -> bool:
    """True if :func:`encode` needs the JSON of the version before ``version``."""
    return version.number % KEYFRAME != 0


def first_to_read(count: int) -> int:
    """The index of the first blob to read, of a list of ``count``, to decode its last."""
    last = max(count - 1, 0)
    return last - last % KEYFRAME


def decode(blobs: Iterable[object]) -> list[tuple[Version, bytes]]:
    """Decodes consecutive blobs of a versions list, the first of them stored whole.

    Returns:
        Each version with its JSON (what the version after it is a delta from).

    Raises:
        crawler.domain.codec.CodecError: a blob is not a valid version, or the first one is a
            delta.
    """
    decoded = []
    previous = b""
    for blob in blobs:
        previous = decompress(blob, previous, what="Version")
        decoded.append((from_json(Version, previous), previous))
    return decoded
