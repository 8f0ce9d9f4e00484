"""The records that cross redline's stages and processes.

All are frozen dataclasses; those stored in Redis are serialised by :mod:`crawler.domain.codec`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self

from crawler.domain.codec import as_text
from crawler.domain.diff import Diff

if TYPE_CHECKING:
    from collections.abc import Callable

# The field of the article hash that holds each attribute of ArticleState.
ARTICLE_FIELDS: dict[str, str] = {
    "url": "u",
    "source": "so",
    "status": "st",
    "created": "cr",
    "site": "si",
    "versions": "v",
    "events": "ev",
    "checks": "ch",
    "digest": "d",
    "headline": "hl",
    "extractor": "x",
    "last_check": "lc",
    "last_claim": "la",
    "last_change": "lg",
    "next_check": "nc",
    "interval": "iv",
    "etag": "et",
    "last_modified": "lm",
    "page_digest": "pd",
    "location": "lo",
    "errors": "er",
    "failures": "fa",
    "extraction_failures": "xf",
    "last_error": "le",
    "not_html": "nh",
    "candidate": "su",
    "held": "ho",
    "flips": "fl",
    "duplicate_of": "du",
    "canonical": "ca",
    "worker": "w",
    "published": "pu",
    "via": "vi",
    "outline": "ol",
}
# The field of an endpoint's hash that holds each attribute of EndpointState. Those the
# due queue reads (url, site, source, status, etag, last_modified) are named as for an
# article, so that the queue schedules, claims and leases both alike.
ENDPOINT_FIELDS: dict[str, str] = {
    **{
        name: ARTICLE_FIELDS[name]
        for name in (
            "url",
            "source",
            "status",
            "created",
            "site",
            "checks",
            "last_check",
            "last_claim",
            "next_check",
            "interval",
            "etag",
            "last_modified",
            "errors",
            "last_error",
            "worker",
        )
    },
    "link_pattern": "lp",
    "kind": "k",
    "last_success": "ls",
    "listed": "li",
    "found": "fo",
    "parent": "pa",
}


@dataclass(frozen=True)
class Article:
    """What a page says, as redline sees it: normalised text, no page furniture.

    Attributes:
        headline: The article's headline.
        byline: Who wrote it, as the page credits it ("" when it does not).
        paragraphs: The body, one normalised paragraph per item, in reading order.
        dateline: Where and by whom the story was filed, when the text opens with it
            ("WASHINGTON (AP)"; "" when it does not).
    """

    headline: str
    byline: str
    paragraphs: tuple[str, ...]
    dateline: str = ""


@dataclass(frozen=True)
class Version:
    """One recorded version of an article.

    Attributes:
        number: 0 for the first version, then 1, 2, ... (its index in the versions list).
        recorded_at: Epoch seconds of the check that found it.
        digest: The article's fingerprint (see :mod:`crawler.domain.hashing`).
        article: The text.
        url: The URL the page was fetched from (after redirects).
        extractor: What read the text: the extraction code, layer and rules (see
            :attr:`crawler.extraction.extract.ExtractedPage.extractor`); a new one re-baselines.
        same_as: The number of an earlier version with the very same text, when the page
            went back to it (None for text never seen before).
    """

    number: int
    recorded_at: float
    digest: str
    article: Article
    url: str
    extractor: str
    same_as: int | None = None


@dataclass(frozen=True)
class ChangeEvent:
    """Something an article's readers should know: what feeds publish.

    A change of the text comes with a new version; a lifecycle change (removed, restored,
    moved) may come without one.

    Attributes:
        article_id: The article's id.
        url: The article's URL (its identity).
        source: The source the article belongs to.
        version: The version the event is about: the new one, or the latest one for an
            event that recorded no version.
        detected_at: Epoch seconds of the check that found the change.
        headline: The article's headline as of this event.
        diff: What changed between the previous version and ``version`` (empty when the
            text did not change).
        kinds: What kind of change it was (:class:`crawler.domain.diff.ChangeKind` values).
        sequence: The event's number among this article's events (1, 2, ...): with the
            article id it names the event for good.
        detail: A short note in words: the HTTP status of a removal, the version a page
            reverted to, the new location of a move.
    """

    article_id: str
    url: str
    source: str
    version: int
    detected_at: float
    headline: str
    diff: Diff
    kinds: tuple[str, ...] = ()
    sequence: int = 0
    detail: str = ""


class Status(enum.StrEnum):
    """Where an article is in its life."""

    NEW = "new"
    """Tracked, never fetched successfully yet."""
    ACTIVE = "active"
    """Has versions and is checked on the recheck schedule."""
    FAILING = "failing"
    """Its last ``failing_after`` checks failed: still retried, at a slow rate."""
    GONE = "gone"
    """The site answered 404 or 410: rechecked on the backoff in case it comes back."""
    STABLE = "stable"
    """Unchanged for the whole stability window: never fetched again."""
    DUPLICATE = "duplicate"
    """Resolves to an article tracked under another URL: that one keeps the history."""
    UNTRACKED = "untracked"
    """Taken out of the URLs file: not fetched; history kept."""


# Statuses whose articles are still fetched.
FETCHED = frozenset({Status.NEW, Status.ACTIVE, Status.FAILING, Status.GONE, Status.DUPLICATE})


class HashRecord:
    """A state kept as a Redis hash: one field per attribute (except ``id``), named by the
    class's :attr:`FIELDS`. Subclasses are frozen dataclasses whose first attribute is
    ``id``."""

    FIELDS: ClassVar[Mapping[str, str]]
    """Attribute name -> hash field name."""
    ALWAYS: ClassVar[frozenset[str]] = frozenset({"status"})
    """Attributes written even at their default (``status``: the status sets mirror it)."""

    def to_fields(self) -> dict[Any, str]:
        """The Redis hash fields for this state, named by :attr:`FIELDS`.

        Attributes at their default are left out (an absent field reads as the default),
        except those in :attr:`ALWAYS`. Writing a state over another must therefore delete
        the fields it leaves out (see :meth:`stale_fields`).
        """
        return {
            self.FIELDS[f.name]: str(value)
            for f in fields(self)  # type: ignore[arg-type]  # subclasses are dataclasses
            if f.name != "id"
            and ((value := getattr(self, f.name)) != f.default or f.name in self.ALWAYS)
        }

    def stale_fields(self, before: Self) -> list[str]:
        """The hash fields ``before`` has and this state leaves out: to delete when this
        state is written over ``before``."""
        return sorted(before.to_fields().keys() - self.to_fields().keys())

    @classmethod
    def from_fields(cls, record_id: str, raw: Mapping[Any, Any]) -> Self:
        """Builds the state from a Redis hash as read with ``HGETALL``.

        Missing fields take their defaults.
        """
        text = {as_text(k): as_text(v) for k, v in raw.items()}
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]  # subclasses are dataclasses
            value = text.get(cls.FIELDS.get(f.name, ""), "")
            if f.name == "id" or (not value and f.type != "str"):
                continue
            values[f.name] = _FIELD_PARSERS.get(str(f.type), str)(value)
        return cls(id=record_id, **values)  # type: ignore[call-arg]  # a dataclass with an id


@dataclass(frozen=True)
class ArticleState(HashRecord):
    """An article's state, as kept in its Redis hash (all times epoch seconds).

    Attributes:
        id: The article's id (derived from its URL). url: The URL the user tracks (the article's
        identity). source: The source it belongs to. status: Where it is in its life. created: When
        it was first tracked. site: The host it is fetched from (politeness and site health are per
        host). versions: How many versions are stored. events: How many change events were published
        for it. checks: How many checks have completed. digest: Fingerprint of the latest version
        ("" before the first). headline: The latest version's headline ("" before the first).
        extractor: What read the latest version's text (code, layer and rules: see
        :attr:`crawler.extraction.extract.ExtractedPage.extractor`; "" before the first, or
        unknown). last_check: When it was last checked (None: never). last_claim: When the last
        recorded check was claimed (None: unknown). last_change: When the latest published change
        was found (None: none yet). next_check: When it is due next (None: never, it is stable or
        removed). interval: The recheck interval in force (None before the first check). etag: The
        ETag of the last good response, for conditional GET. last_modified: The Last-Modified of the
        last good response. page_digest: The :func:`crawler.domain.hashing.page_digest` of the last
        page read without doubt (an unchanged article, or a new version): the same page again needs
        no extraction ("" when the last check left any doubt). location: Where the article lives
        now, when not at its URL (moved, redirected). errors: Consecutive failed checks. failures:
        Failed checks in all. extraction_failures: Checks whose page held no trustworthy article.
        last_error: What the last failed check reported, or the status of a gone page. not_html: The
        media type the URL answered with, when its last answer was a document that is not HTML (""
        when it was a page). candidate: Fingerprint of a candidate change waiting for its confirming
        fetch (""), or the latest version's own while the first version awaits its confirming fetch
        (:attr:`awaits_first`). held: While the candidate is a confirmed change its site's evidence
        doubts, how many regular checks have shown it so far, counting the confirming one (see
        :func:`crawler.detection.template.doubtful`); 0 otherwise. flips: Returns to earlier
        versions recorded without being published again. duplicate_of: The id of the article this
        one duplicates ("" if none). canonical: The id of the canonical URL this article answers for
        ("" if none yet). worker: Which worker made the last check (host:pid). published: When the
        discovery endpoint that found it says it was published (None: it did not say, or the article
        was not discovered). via: The id of the discovery endpoint that found it ("" for an article
        of the URLs file). outline: What the last page read as the latest version showed, paragraph
        by paragraph, and which of its paragraphs were left out of the text (see
        :func:`crawler.detection.template.outline`; "" before the first version).
    """

    id: str
    url: str
    source: str
    status: Status = Status.NEW
    created: float = 0.0
    site: str = ""
    versions: int = 0
    events: int = 0
    checks: int = 0
    digest: str = ""
    headline: str = ""
    extractor: str = ""
    last_check: float | None = None
    last_claim: float | None = None
    last_change: float | None = None
    next_check: float | None = None
    interval: float | None = None
    etag: str = ""
    last_modified: str = ""
    page_digest: str = ""
    location: str = ""
    errors: int = 0
    failures: int = 0
    extraction_failures: int = 0
    last_error: str = ""
    not_html: str = ""
    candidate: str = ""
    held: int = 0
    flips: int = 0
    duplicate_of: str = ""
    canonical: str = ""
    worker: str = ""
    published: float | None = None
    via: str = ""
    outline: str = ""

    FIELDS: ClassVar[Mapping[str, str]] = ARTICLE_FIELDS

    @property
    def fetched(self) -> bool:
        """True while the article is meant to be fetched again."""
        return self.status in FETCHED and self.next_check is not None

    @property
    def awaits_first(self) -> bool:
        """True when the first version awaits its confirming fetch: the candidate is the
        latest version's own fingerprint, which a candidate change never is."""
        return bool(self.candidate) and self.candidate == self.digest


@dataclass(frozen=True)
class EndpointState(HashRecord):
    """A discovery endpoint's state, as kept in its Redis hash (all times epoch seconds).

    Attributes:
        id: The endpoint's id (:data:`crawler.store.keys.ENDPOINT_MARK` and its URL's id).
        url: The feed, sitemap or section page.
        source: The source whose articles it lists.
        status: ``active``, or ``failing`` while its reads fail.
        created: When it was first configured (or found in a sitemap index).
        site: The host it is fetched from.
        checks: How many reads have completed.
        last_check: When it was last read (None: never).
        last_claim: When the last recorded read was claimed (None: unknown).
        next_check: When it is due next.
        interval: Seconds between two reads.
        etag: The ETag of the last good response, for conditional GET.
        last_modified: The Last-Modified of the last good response.
        errors: Consecutive failed reads.
        last_error: What the last failed read reported.
        worker: Which worker made the last read (host:pid).
        link_pattern: For a section page, what its article links match ("" for none).
        kind: What it turned out to be: ``rss``, ``atom``, ``sitemap``, ``sitemap index``
            or ``section page`` ("" before the first good read).
        last_success: When it was last read without error (None: never).
        listed: How many article links its last good read listed.
        found: How many articles it was the first to list (and so started tracking).
        parent: For a sitemap found in a sitemap index, the index's id ("" otherwise).
    """

    id: str
    url: str
    source: str
    status: Status = Status.ACTIVE
    created: float = 0.0
    site: str = ""
    checks: int = 0
    last_check: float | None = None
    last_claim: float | None = None
    next_check: float | None = None
    interval: float | None = None
    etag: str = ""
    last_modified: str = ""
    errors: int = 0
    last_error: str = ""
    worker: str = ""
    link_pattern: str = ""
    kind: str = ""
    last_success: float | None = None
    listed: int = 0
    found: int = 0
    parent: str = ""

    FIELDS: ClassVar[Mapping[str, str]] = ENDPOINT_FIELDS


_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    "float": float,
    "float | None": float,
    "int": int,
    "Status": Status,
}


@dataclass(frozen=True)
class Claim:
    """A due article or discovery endpoint a worker has claimed, with what it needs to
    fetch it.

    Attributes:
        id: The article's id, or the endpoint's (see :func:`crawler.store.keys.is_endpoint`).
        url: Where to fetch it (its last known location, else its URL).
        etag: For ``If-None-Match`` ("" for none).
        last_modified: For ``If-Modified-Since`` ("" for none).
        source: The source it belongs to (its extraction rules apply).
        claimed_at: Epoch seconds of the claim (it orders checks of one article).
        page_digest: The article's :attr:`ArticleState.page_digest` when it was claimed.
    """

    id: str
    url: str
    etag: str = ""
    last_modified: str = ""
    source: str = ""
    claimed_at: float = 0.0
    page_digest: str = ""


@dataclass(frozen=True)
class Exchange:
    """An HTTP request and its response, as the worker got them: what is archived.

    Attributes:
        url: The URL of the response (after redirects).
        request_headers: The request's headers, in order.
        status: The response's status.
        reason: Its reason phrase ("OK").
        headers: The response's headers, in order.
        body: Its body, any content encoding undone.
    """

    url: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class Archived:
    """Where the response that recorded a version is kept, in WARC.

    Attributes:
        file: The WARC file's name (in the archive directory).
        offset: Where its record starts in the file.
        length: The record's length, compressed.
        record_id: Its ``WARC-Record-ID``.
        digest: Its ``WARC-Payload-Digest`` (``sha1:`` and base 32).
    """

    file: str
    offset: int
    length: int
    record_id: str
    digest: str


@dataclass(frozen=True, kw_only=True)
class Answer:
    """What a worker's request for a claimed URL got back: the part of a :class:`Fetch`
    (an article's page) and a :class:`ListingFetch` (a discovery endpoint's listing) that
    every answer has. ``not_modified`` (a 304) and ``error`` (anything that is not an
    answer to read) describe it when it holds nothing to read.

    Attributes:
        url: The URL requested.
        final_url: The URL of the response (after redirects).
        fetched_at: Epoch seconds when the response (or error) arrived.
        status: The HTTP status (0 when there was no response).
        source: The source the article or endpoint belongs to.
        not_modified: True for a 304 answer to a conditional GET.
        error: Why the fetch failed ("" when it did not).
        etag: The response's ETag header ("" if none).
        last_modified: The response's Last-Modified header ("" if none).
        retry_after: Seconds the server asked us to wait (``Retry-After``), if it did.
        network_error: True when no answer came (timeout, refused, reset, DNS failure).
        worker: Which worker fetched it (host:pid).
        claimed_at: When the check was claimed (0: unknown). A fetch claimed before the
            last recorded check's claim is stale: it outlived its lease and a newer check
            was recorded meanwhile.
    """

    url: str
    final_url: str
    fetched_at: float
    status: int = 0
    source: str = ""
    not_modified: bool = False
    error: str = ""
    etag: str = ""
    last_modified: str = ""
    retry_after: float | None = None
    network_error: bool = False
    worker: str = ""
    claimed_at: float = 0.0

    def outdated_by(self, last_claim: float | None) -> bool:
        """Whether the last recorded check, claimed at ``last_claim``, makes this fetch one
        not to record: it was claimed before that check (it outlived its lease), or it is
        that very check (recorded already, its reply lost with the connection)."""
        return bool(self.claimed_at and last_claim and self.claimed_at <= last_claim)

    @property
    def transient(self) -> bool:
        """True for a failure of the site or the network (no answer, 5xx, 429), which says
        nothing about the article and may pass."""
        return self.network_error or self.status == 429 or self.status >= 500

    @property
    def gone(self) -> bool:
        """True when the site says the page no longer exists (404, 410)."""
        return self.status in (404, 410)


@dataclass(frozen=True)
class Fetch(Answer):
    """What one fetch of an article's page produced; the spider hands it to the pipeline.

    Exactly one of ``html`` (a page to extract), ``not_modified``, ``not_html`` (a
    document of another type) and ``error`` describes the result.

    Attributes:
        article_id: The article's id.
        html: The decoded page, when there is one to extract.
        not_html: The media type of a response that is not an HTML page (a PDF, an image,
            JSON): it is recorded as such and not extracted.
        previous_page: The page digest of the article when the check was claimed.
        page_digest: This page's digest (see :func:`crawler.domain.hashing.page_digest`),
            set by the pipeline once it knows what reads the page ("" until then, and for
            answers without a page).
        exchange: The request and response as fetched, to archive if the page records a
            version (None for answers without a page).
    """

    article_id: str
    html: str | None = None
    not_html: str = ""
    previous_page: str = ""
    page_digest: str = ""
    exchange: Exchange | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ListingFetch(Answer):
    """What one fetch of a discovery endpoint produced: its document as fetched (read by
    :func:`crawler.extraction.discovery.read_listing`), or why there is none.

    Attributes:
        endpoint_id: The endpoint's id.
        body: The document, as fetched (None when there is none).
    """

    endpoint_id: str
    body: bytes | None = None
