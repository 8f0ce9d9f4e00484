"""The records that cross redline's stages and processes.

All are frozen dataclasses; those stored in Redis are serialised by :mod:`crawler.codec`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from crawler.codec import as_text
from crawler.diff import Diff

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class Article:
    """What a page says, as redline sees it: normalised text, no page furniture.

    Attributes:
        headline: The article's headline.
        byline: Who wrote it, as the page credits it ("" when it does not).
        paragraphs: The body, one normalised paragraph per item, in reading order.
    """

    headline: str
    byline: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Version:
    """One recorded version of an article.

    Attributes:
        number: 0 for the first version, then 1, 2, ... (its index in the versions list).
        recorded_at: Epoch seconds of the check that found it.
        digest: The article's fingerprint (see :mod:`crawler.hashing`).
        article: The text.
        url: The URL the page was fetched from (after redirects).
        extractor: Which extraction code produced the text (to re-baseline on upgrades).
    """

    number: int
    recorded_at: float
    digest: str
    article: Article
    url: str
    extractor: str


@dataclass(frozen=True)
class ChangeEvent:
    """A new version that differs from the one before: what feeds publish.

    Attributes:
        article_id: The article's id.
        url: The article's URL (its identity).
        source: The source the article belongs to.
        version: The new version's number (>= 1).
        detected_at: Epoch seconds of the check that found the change.
        headline: The new version's headline.
        diff: What changed between version ``version - 1`` and ``version``.
    """

    article_id: str
    url: str
    source: str
    version: int
    detected_at: float
    headline: str
    diff: Diff


class Status(enum.StrEnum):
    """Where an article is in its life."""

    NEW = "new"
    """Tracked, never fetched successfully yet."""
    ACTIVE = "active"
    """Has versions and is checked on the recheck schedule."""
    STABLE = "stable"
    """Unchanged for the whole stability window: never fetched again."""
    REMOVED = "removed"
    """No longer in the URLs file: not fetched; history kept."""


@dataclass(frozen=True)
class ArticleState:
    """An article's state, as kept in its Redis hash (all times epoch seconds).

    Attributes:
        id: The article's id (derived from its URL).
        url: The URL the user tracks (the article's identity).
        source: The source it belongs to.
        status: Where it is in its life.
        created: When it was first tracked.
        versions: How many versions are stored.
        checks: How many checks have completed.
        digest: Fingerprint of the latest version ("" before the first).
        last_check: When it was last checked (None: never).
        last_change: When its latest version was recorded (None: no version yet).
        next_check: When it is due next (None: never, it is stable or removed).
        interval: The recheck interval in force (None before the first check).
        etag: The ETag of the last good response, for conditional GET.
        last_modified: The Last-Modified of the last good response.
        location: Where the page was last fetched from, when redirected elsewhere.
        errors: Consecutive failed checks.
        last_error: What the last failed check reported ("" if none).
    """

    id: str
    url: str
    source: str
    status: Status = Status.NEW
    created: float = 0.0
    versions: int = 0
    checks: int = 0
    digest: str = ""
    last_check: float | None = None
    last_change: float | None = None
    next_check: float | None = None
    interval: float | None = None
    etag: str = ""
    last_modified: str = ""
    location: str = ""
    errors: int = 0
    last_error: str = ""

    def to_fields(self) -> dict[Any, str]:
        """The Redis hash fields for this state (None becomes an empty string)."""
        return {
            f.name: "" if (value := getattr(self, f.name)) is None else str(value)
            for f in fields(self)
            if f.name != "id"
        }

    @classmethod
    def from_fields(cls, article_id: str, raw: Mapping[Any, Any]) -> ArticleState:
        """Builds the state from a Redis hash as read with ``HGETALL``."""
        text = {as_text(k): as_text(v) for k, v in raw.items()}

        def number(name: str) -> float | None:
            value = text.get(name, "")
            return float(value) if value else None

        return cls(
            id=article_id,
            url=text.get("url", ""),
            source=text.get("source", ""),
            status=Status(text.get("status") or Status.NEW),
            created=number("created") or 0.0,
            versions=int(text.get("versions") or 0),
            checks=int(text.get("checks") or 0),
            digest=text.get("digest", ""),
            last_check=number("last_check"),
            last_change=number("last_change"),
            next_check=number("next_check"),
            interval=number("interval"),
            etag=text.get("etag", ""),
            last_modified=text.get("last_modified", ""),
            location=text.get("location", ""),
            errors=int(text.get("errors") or 0),
            last_error=text.get("last_error", ""),
        )


@dataclass(frozen=True)
class Claim:
    """A due article a worker has claimed, with what it needs to fetch it.

    Attributes:
        article_id: The article's id.
        url: Where to fetch it (its last known location, else its URL).
        etag: For ``If-None-Match`` ("" for none).
        last_modified: For ``If-Modified-Since`` ("" for none).
    """

    article_id: str
    url: str
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Fetch:
    """What one fetch of an article produced; the spider hands it to the pipeline.

    Exactly one of ``html`` (a page to extract), ``not_modified`` (a 304) and ``error``
    (anything else) describes the result.

    Attributes:
        article_id: The article's id.
        url: The URL requested.
        final_url: The URL of the response (after redirects).
        fetched_at: Epoch seconds when the response (or error) arrived.
        status: The HTTP status (0 when there was no response).
        html: The decoded page, when there is one to extract.
        not_modified: True for a 304 answer to a conditional GET.
        error: Why the fetch failed ("" when it did not).
        etag: The response's ETag header ("" if none).
        last_modified: The response's Last-Modified header ("" if none).
    """

    article_id: str
    url: str
    final_url: str
    fetched_at: float
    status: int = 0
    html: str | None = None
    not_modified: bool = False
    error: str = ""
    etag: str = ""
    last_modified: str = ""
